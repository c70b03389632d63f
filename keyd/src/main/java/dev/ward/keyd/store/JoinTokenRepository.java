package dev.ward.keyd.store;

import dev.ward.store.Versioned;
import dev.ward.keyd.JoinToken;

import java.util.List;

/** Join tokens for clusters without Kubernetes, stored by the SHA-256 of the token, never the token itself. */
public interface JoinTokenRepository {
    void create(String tokenHash, JoinToken token);

    List<Versioned<JoinToken>> forNode(String node);

    /** Marks every unused token of {@code node} invalid (the node was revoked). */
    void invalidateAll(String node, java.time.Instant now);

    /** Deletes tokens whose expiry passed more than {@code grace} ago. */
    int deleteExpired(java.time.Instant now, java.time.Duration grace);
}
