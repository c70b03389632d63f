package dev.ward.xfrm;

import java.util.Map;
import java.util.Set;

/**
 * Checks an SA before it goes to the kernel. The kernel would accept a short HMAC key or a weak algorithm
 * name; Ward installs only the algorithms it vouches for, with the key sizes their specifications require.
 */
public final class SaValidator {
    /** AEAD name to allowed key lengths in bytes (AES key + 4-byte salt). */
    private static final Map<String, Set<Integer>> AEAD_KEY_BYTES = Map.of(EspAlgorithm.AES_GCM, Set.of(20, 36));
    private static final Map<String, Set<Integer>> CIPHER_KEY_BYTES = Map.of(EspAlgorithm.AES_CBC, Set.of(16, 24, 32));
    private static final Map<String, Set<Integer>> AUTH_KEY_BYTES = Map.of(EspAlgorithm.HMAC_SHA256, Set.of(32));
    private static final Set<Integer> ICV_BITS = Set.of(128);

    private SaValidator() {}

    public static void validate(SecurityAssociation sa) {
        if (sa.spi() >= 0 && sa.spi() < 256) {
            throw new InvalidSpiException(sa.describe() + ": SPI " + sa.spi() + " is reserved (RFC 4303 reserves 0..255)");
        }
        switch (sa.algorithm()) {
            case EspAlgorithm.Aead a -> {
                keyLength(sa, "AEAD", a.name(), a.key().length, AEAD_KEY_BYTES);
                if (!ICV_BITS.contains(a.icvBits())) {
                    throw new InvalidSecurityAssociationException(sa.describe() + ": ICV of " + a.icvBits() + " bits, Ward uses " + ICV_BITS);
                }
            }
            case EspAlgorithm.CipherAndAuth c -> {
                keyLength(sa, "cipher", c.cipher(), c.cipherKey().length, CIPHER_KEY_BYTES);
                keyLength(sa, "authentication", c.auth(), c.authKey().length, AUTH_KEY_BYTES);
                if (!ICV_BITS.contains(c.truncationBits())) {
                    throw new InvalidSecurityAssociationException(sa.describe() + ": truncation to " + c.truncationBits()
                            + " bits, RFC 4868 requires 128 for hmac(sha256)");
                }
            }
        }
    }

    private static void keyLength(SecurityAssociation sa, String role, String name, int bytes, Map<String, Set<Integer>> allowed) {
        Set<Integer> ok = allowed.get(name);
        if (ok != null && ok.contains(bytes)) return;
        String who = sa.describe();
        if (ok == null) {
            throw new UnknownAlgorithmException(who + ": unknown " + role + " algorithm '" + name + "' (Ward installs "
                    + String.join(", ", allowed.keySet()) + ")");
        }
        throw new InvalidKeyLengthException(who + ": " + name + " key of " + bytes * 8 + " bits, expected "
                + ok.stream().sorted().map(b -> b * 8 + "").reduce((x, y) -> x + " or " + y).orElseThrow() + " bits");
    }
}
