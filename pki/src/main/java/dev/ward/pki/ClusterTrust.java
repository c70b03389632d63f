package dev.ward.pki;

import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a verifier trusts: the bundle and the CRLs its CAs signed. Every CRL must verify under a CA of the
 * bundle and each CA has at most one, so a CRL that was edited (say, to drop a revoked serial) or that comes from
 * elsewhere is refused here, before any SVID is checked against it.
 */
public record ClusterTrust(TrustBundle bundle, List<X509CRL> crls) {

    public ClusterTrust {
        crls = List.copyOf(crls);
        Map<X509Certificate, X509CRL> byCa = new HashMap<>();
        for (X509CRL crl : crls) {
            X509Certificate ca = issuerOf(bundle, crl);
            if (byCa.put(ca, crl) != null) {
                throw new IllegalArgumentException("two CRLs for CA " + Fingerprints.caId(ca) + " (" + ca.getSubjectX500Principal().getName() + ")");
            }
        }
    }

    public static ClusterTrust fromPem(String bundlePem, String crlPem) {
        TrustBundle bundle = TrustBundle.fromPem(bundlePem);
        List<X509CRL> crls = crlPem == null || crlPem.isBlank() ? List.of() : Pem.crls(crlPem, "the CRL file");
        return new ClusterTrust(bundle, crls);
    }

    /** The CRL signed by {@code ca}, if the trust holds one. */
    public Optional<X509CRL> crlFor(X509Certificate ca) {
        for (X509CRL crl : crls) {
            if (crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal()) && signedBy(crl, ca)) {
                return Optional.of(crl);
            }
        }
        return Optional.empty();
    }

    public String crlPem() {
        return Pem.encode(crls);
    }

    private static X509Certificate issuerOf(TrustBundle bundle, X509CRL crl) {
        boolean nameMatched = false;
        for (X509Certificate ca : bundle.authorities()) {
            if (!crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) continue;
            nameMatched = true;
            if (signedBy(crl, ca)) return ca;
        }
        String issuer = crl.getIssuerX500Principal().getName();
        throw new IllegalArgumentException(nameMatched
                ? "the CRL of " + issuer + " has an invalid signature (the CRL was altered)"
                : "the CRL of " + issuer + " is not from a CA in the trust bundle");
    }

    private static boolean signedBy(X509CRL crl, X509Certificate ca) {
        try {
            crl.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
