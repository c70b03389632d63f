package dev.ward.trust;

import dev.ward.pki.ClusterTrust;
import dev.ward.pki.TrustBundle;

import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * What keyd publishes for every verifier: the bundle (issuing CA first), one CRL per CA, the revocations those
 * CRLs were built from, and a sequence number that grows with every publication (the SPIFFE bundle's
 * {@code spiffe_sequence}).
 */
public record TrustState(TrustBundle bundle, List<X509CRL> crls, List<Revocation> revocations, long sequence) {

    public TrustState {
        crls = List.copyOf(crls);
        revocations = List.copyOf(revocations);
        new ClusterTrust(bundle, crls); // every CRL must verify under a CA of the bundle
    }

    public ClusterTrust clusterTrust() {
        return new ClusterTrust(bundle, crls);
    }

    /** When the first CRL runs out; verifiers fail closed after it. */
    public Instant crlsExpireAt() {
        return crls.stream().map(c -> c.getNextUpdate().toInstant()).min(Comparator.naturalOrder()).orElse(Instant.EPOCH);
    }
}
