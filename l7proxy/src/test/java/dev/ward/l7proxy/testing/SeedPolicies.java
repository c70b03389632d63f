package dev.ward.l7proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The published policy examples, as the policy module keeps them verbatim (the seed posts under
 * {@code golden/posts}, Cilium's examples under {@code golden/cilium}): read from there, not copied.
 */
public final class SeedPolicies {
    private static final Path GOLDEN = Path.of("../policy/src/test/resources/golden");

    private SeedPolicies() {}

    public static String read(String relative) {
        try {
            return Files.readString(GOLDEN.resolve(relative + ".yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the seed policy " + relative + " under " + GOLDEN.toAbsolutePath(), e);
        }
    }

    public static String memcached() {
        return read("posts/004-memcached");
    }

    public static String cassandra() {
        return read("posts/004-cassandra");
    }

    public static String kafkaBehindDns() {
        return read("posts/002-kafka-behind-dns");
    }

    public static String starWarsHttp() {
        return read("cilium/sw-l3-l4-l7");
    }
}
