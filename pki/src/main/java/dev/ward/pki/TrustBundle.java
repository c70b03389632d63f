package dev.ward.pki;

import io.spiffe.spiffeid.TrustDomain;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The CA certificates a trust domain's SVIDs chain to; during a CA rotation it holds the old and the new CA.
 * The issuing CA comes first. Every certificate must be a self-signed Ward CA of this trust domain whose
 * signature verifies, so a bundle edited in a store or on disk is refused instead of trusted.
 */
public record TrustBundle(TrustDomain trustDomain, List<X509Certificate> authorities) {

    public TrustBundle {
        authorities = List.copyOf(authorities);
        if (authorities.isEmpty()) throw new IllegalArgumentException("the trust bundle holds no CA certificate");
        Set<String> seen = new HashSet<>();
        for (X509Certificate ca : authorities) {
            requireSelfSignedCa(ca);
            TrustDomain td;
            try {
                td = CertificateAuthority.trustDomainOf(ca);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trust bundle: " + e.getMessage(), e);
            }
            if (!td.equals(trustDomain)) {
                throw new IllegalArgumentException("trust bundle for " + trustDomain + " holds CA " + Fingerprints.caId(ca) + " of trust domain " + td);
            }
            if (!seen.add(Fingerprints.sha256(ca))) {
                throw new IllegalArgumentException("trust bundle holds CA " + Fingerprints.caId(ca) + " twice");
            }
        }
    }

    /** Reads bundle.pem; the trust domain comes from the CA certificates themselves. */
    public static TrustBundle fromPem(String pem) {
        List<X509Certificate> cas = Pem.certificates(pem, "the trust bundle");
        TrustDomain td;
        try {
            td = CertificateAuthority.trustDomainOf(cas.getFirst());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("trust bundle: " + e.getMessage(), e);
        }
        return new TrustBundle(td, cas);
    }

    public String toPem() {
        return Pem.encode(authorities);
    }

    /** The CA that issues new SVIDs (the first one). */
    public X509Certificate issuing() {
        return authorities.getFirst();
    }

    public Optional<X509Certificate> find(String caId) {
        return authorities.stream().filter(c -> Fingerprints.caId(c).equals(caId)).findFirst();
    }

    public boolean contains(X509Certificate cert) {
        return authorities.contains(cert);
    }

    private static void requireSelfSignedCa(X509Certificate ca) {
        String name = ca.getSubjectX500Principal().getName();
        if (!X509Extensions.isCa(ca) || !X509Extensions.canSignCertificates(ca)) {
            throw new IllegalArgumentException("trust bundle holds " + name + ", which is not a CA certificate");
        }
        if (!ca.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            throw new IllegalArgumentException("trust bundle holds " + name + ", which is not self-signed");
        }
        try {
            ca.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("trust bundle holds CA " + name
                    + " whose self-signature does not verify (the bundle was altered): " + e.getMessage(), e);
        }
    }
}
