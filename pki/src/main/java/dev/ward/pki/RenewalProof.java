package dev.ward.pki;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * A renewing node's proof that it holds its current SVID key: that key signs the new CSR (which the new key
 * signed too). The context prefix keeps this signature from being replayed as any other Ward signature.
 */
public final class RenewalProof {
    private static final byte[] CONTEXT = "ward svid renewal v1\0".getBytes(StandardCharsets.US_ASCII);

    private RenewalProof() {}

    public static byte[] sign(PrivateKey currentSvidKey, byte[] csrDer) {
        try {
            Signature s = Signature.getInstance(KeyAlgorithm.EC_P256.signatureAlgorithm());
            s.initSign(currentSvidKey);
            s.update(CONTEXT);
            s.update(csrDer);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the renewal proof: " + e.getMessage(), e);
        }
    }

    public static boolean verify(X509Certificate currentLeaf, byte[] csrDer, byte[] signature) {
        try {
            Signature s = Signature.getInstance(KeyAlgorithm.EC_P256.signatureAlgorithm());
            s.initVerify(currentLeaf.getPublicKey());
            s.update(CONTEXT);
            s.update(csrDer);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a malformed signature is as wrong as a mismatching one
        }
    }
}
