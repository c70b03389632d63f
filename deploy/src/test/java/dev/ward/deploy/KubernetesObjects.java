package dev.ward.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Kubernetes objects read from YAML by fabric8, as kubectl would take them; every one must have a kind and a name. */
final class KubernetesObjects {
    /** Used only to parse; it never connects. Shared by the test classes for the whole run. */
    private static final KubernetesClient PARSER = new KubernetesClientBuilder().build();

    private KubernetesObjects() {}

    static List<HasMetadata> parse(String source, String yaml) {
        return parse(source, new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    static List<HasMetadata> parse(String source, InputStream in) {
        List<HasMetadata> items;
        try {
            items = PARSER.load(in).items();
        } catch (RuntimeException e) {
            throw new AssertionError(source + " does not parse as Kubernetes objects: " + e.getMessage(), e);
        }
        assertFalse(items.isEmpty(), source + " holds no Kubernetes object");
        for (HasMetadata o : items) {
            assertNotNull(o.getKind(), source + ": an object without kind");
            assertNotNull(o.getMetadata().getName(), source + ": a " + o.getKind() + " without a name");
        }
        return items;
    }
}
