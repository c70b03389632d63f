package dev.ward.xfrm;

import java.util.Arrays;

/**
 * The ESP transform of an SA: either one AEAD (encryption and integrity together) or a cipher plus an
 * integrity algorithm. Names are the kernel crypto API's. Keys never appear in {@link #toString()}.
 */
public sealed interface EspAlgorithm {
    String AES_GCM = "rfc4106(gcm(aes))";
    String AES_CBC = "cbc(aes)";
    String HMAC_SHA256 = "hmac(sha256)";

    /** AES-GCM for ESP (RFC 4106): {@code keyAndSalt} is the AES key followed by a 4-byte salt. */
    static Aead aesGcm(byte[] keyAndSalt) {
        return new Aead(AES_GCM, keyAndSalt, 128);
    }

    /** AES-CBC encryption with HMAC-SHA-256 integrity truncated to 128 bits (RFC 4868). */
    static CipherAndAuth aesCbcHmacSha256(byte[] aesKey, byte[] hmacKey) {
        return new CipherAndAuth(AES_CBC, aesKey, HMAC_SHA256, hmacKey, 128);
    }

    /** Combined-mode algorithm, e.g. rfc4106(gcm(aes)). */
    record Aead(String name, byte[] key, int icvBits) implements EspAlgorithm {
        public Aead {
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Aead a && a.name.equals(name) && Arrays.equals(a.key, key) && a.icvBits == icvBits;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return name + " (" + key.length * 8 + "-bit key, " + icvBits + "-bit ICV)";
        }
    }

    /** Separate cipher and authentication, e.g. cbc(aes) with hmac(sha256). */
    record CipherAndAuth(String cipher, byte[] cipherKey, String auth, byte[] authKey, int truncationBits)
            implements EspAlgorithm {
        public CipherAndAuth {
            cipherKey = cipherKey.clone();
            authKey = authKey.clone();
        }

        @Override
        public byte[] cipherKey() {
            return cipherKey.clone();
        }

        @Override
        public byte[] authKey() {
            return authKey.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CipherAndAuth c && c.cipher.equals(cipher) && Arrays.equals(c.cipherKey, cipherKey)
                    && c.auth.equals(auth) && Arrays.equals(c.authKey, authKey) && c.truncationBits == truncationBits;
        }

        @Override
        public int hashCode() {
            return cipher.hashCode() * 31 + Arrays.hashCode(cipherKey);
        }

        @Override
        public String toString() {
            return cipher + " (" + cipherKey.length * 8 + "-bit key) + " + auth + " (" + authKey.length * 8
                    + "-bit key, " + truncationBits + "-bit ICV)";
        }
    }
}
