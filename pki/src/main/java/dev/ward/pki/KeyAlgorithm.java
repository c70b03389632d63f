package dev.ward.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Optional;

/**
 * The key types Ward's CA and nodes use. Node keys are always P-256 (the encryption layer signs announcements
 * with them); a CA may use P-384 if an operator asks for it.
 */
public enum KeyAlgorithm {
    EC_P256("secp256r1", 256, "SHA256withECDSA"),
    EC_P384("secp384r1", 384, "SHA384withECDSA");

    private final String curve;
    private final int fieldBits;
    private final String signatureAlgorithm;

    KeyAlgorithm(String curve, int fieldBits, String signatureAlgorithm) {
        this.curve = curve;
        this.fieldBits = fieldBits;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    public KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve), new SecureRandom());
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + curve + " keys", e);
        }
    }

    /** The algorithm of an EC public key, by field size; empty for RSA, Ed25519 or unsupported curves. */
    public static Optional<KeyAlgorithm> of(PublicKey key) {
        if (!(key instanceof ECPublicKey ec)) return Optional.empty();
        int bits = ec.getParams().getCurve().getField().getFieldSize();
        for (KeyAlgorithm a : values()) {
            if (a.fieldBits == bits) return Optional.of(a);
        }
        return Optional.empty();
    }

    /** Whether {@code privateKey} is the private half of {@code publicKey}: it signs, the public key verifies. */
    public static boolean matches(PublicKey publicKey, PrivateKey privateKey) {
        Optional<KeyAlgorithm> alg = of(publicKey);
        if (alg.isEmpty()) return false;
        try {
            byte[] probe = "ward-key-pair-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg.get().signatureAlgorithm());
            s.initSign(privateKey);
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(publicKey);
            s.update(probe);
            return s.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Parses "p256"/"ec-p256"/"P-384" the way operators write them. */
    public static KeyAlgorithm parse(String text) {
        String t = text.trim().toLowerCase().replace("-", "").replace("_", "").replace("ec", "");
        return switch (t) {
            case "p256", "secp256r1", "prime256v1" -> EC_P256;
            case "p384", "secp384r1" -> EC_P384;
            default -> throw new IllegalArgumentException("unknown key algorithm \"" + text + "\" (use p256 or p384)");
        };
    }
}
