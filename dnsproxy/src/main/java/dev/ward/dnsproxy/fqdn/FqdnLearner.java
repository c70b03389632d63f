package dev.ward.dnsproxy.fqdn;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Makes the addresses of an allowed answer allowed for toFQDNs before the proxy releases the answer. */
public interface FqdnLearner {
    /**
     * {@code endpoint} was answered {@code addresses} for {@code name}, valid for {@code ttlSeconds} (before the
     * minimum TTL is applied). Completes when the datapath holds them; the proxy bounds the wait itself.
     */
    CompletableFuture<Void> learn(String endpoint, String name, List<InetAddress> addresses, long ttlSeconds);
}
