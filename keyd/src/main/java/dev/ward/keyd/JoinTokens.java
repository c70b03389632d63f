package dev.ward.keyd;

import dev.ward.pki.Fingerprints;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Join token values: 256 random bits behind a recognisable prefix. Stores keep only the SHA-256; a fast hash is
 * enough because the token itself has full entropy (there is nothing to brute-force).
 */
public final class JoinTokens {
    public static final String PREFIX = "wardjt_";
    /** The longest a join token may be valid; an operator makes a fresh one when a node is ready to join. */
    public static final java.time.Duration MAX_TTL = java.time.Duration.ofDays(7);
    private static final SecureRandom RANDOM = new SecureRandom();

    private JoinTokens() {}

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static String hash(String token) {
        return Fingerprints.sha256(token.trim().getBytes(StandardCharsets.UTF_8));
    }

    public static boolean wellFormed(String token) {
        return token != null && token.trim().startsWith(PREFIX) && token.trim().length() == PREFIX.length() + 43;
    }
}
