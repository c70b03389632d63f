package dev.ward.keyd;

import java.time.Instant;

/**
 * A one-time join token as stored: bound to one node, expiring, and kept after use (or after its node was
 * revoked) until it expires, so a second use is refused with the precise reason rather than "unknown token".
 */
public record JoinToken(String node, Instant createdAt, Instant expiresAt, Instant usedAt, Instant invalidatedAt) {

    public static JoinToken issued(String node, Instant now, Instant expiresAt) {
        return new JoinToken(node, now, expiresAt, null, null);
    }

    public boolean usable(Instant now) {
        return usedAt == null && invalidatedAt == null && now.isBefore(expiresAt);
    }

    public JoinToken used(Instant now) {
        return new JoinToken(node, createdAt, expiresAt, now, invalidatedAt);
    }

    public JoinToken invalidated(Instant now) {
        return new JoinToken(node, createdAt, expiresAt, usedAt, now);
    }
}
