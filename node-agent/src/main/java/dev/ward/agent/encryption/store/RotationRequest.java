package dev.ward.agent.encryption.store;

import java.time.Instant;
import java.util.Optional;

/**
 * An operator's {@code wardctl keys rotate}: for one node or, with {@code node} empty, for all. {@code sequence}
 * orders requests store-wide (it is the store's revision of the write), so an agent acts on each request once,
 * across restarts, by remembering the highest it has handled.
 */
public record RotationRequest(Optional<String> node, long sequence, Instant requestedAt) {
    public boolean appliesTo(String localNode) {
        return node.isEmpty() || node.get().equals(localNode);
    }

    public String target() {
        return node.map(n -> "node " + n).orElse("all nodes");
    }
}
