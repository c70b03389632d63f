package dev.ward.keyd;

import dev.ward.trust.TrustState;
import dev.ward.keyd.store.CaKeyVault;
import dev.ward.trust.TrustRepository;
import dev.ward.store.Versioned;
import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.NodeCsr;
import dev.ward.pki.SvidIssuer;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Signs an attested CSR with the active CA. It refuses when that CA is not in the published bundle: an SVID no
 * verifier trusts yet would break the node (this happens only between the steps of a CA rotation).
 */
public final class SvidSigner {
    private final CaKeyVault vault;
    private final TrustRepository trust;
    private final Duration ttl;
    private final Clock clock;

    public record Signed(X509Certificate svid, IssuedSvid record) {}

    public SvidSigner(CaKeyVault vault, TrustRepository trust, Duration ttl, Clock clock) {
        this.vault = vault;
        this.trust = trust;
        this.ttl = ttl;
        this.clock = clock;
    }

    /**
     * @param request      which request this answers (CSR name or request id), kept in the node record
     * @param requestedTtl a shorter lifetime the requester asked for, if any
     */
    public Signed sign(NodeCsr csr, String request, Optional<Duration> requestedTtl) throws IssuanceRefusedException {
        CertificateAuthority ca = vault.require().value().active();
        Optional<Versioned<TrustState>> published = trust.read();
        if (published.isEmpty() || !published.get().value().bundle().contains(ca.certificate())) {
            throw new IssuanceRefusedException("the active CA " + ca.id() + " is not in the published trust bundle yet; keyd republishes it within a maintenance interval");
        }
        Instant now = clock.instant();
        Duration lifetime = requestedTtl.filter(d -> d.compareTo(ttl) < 0 && !d.isNegative() && !d.isZero()).orElse(ttl);
        X509Certificate svid = SvidIssuer.issue(ca, csr, lifetime, now);
        return new Signed(svid, new IssuedSvid(svid.getSerialNumber(), ca.id(), now, svid.getNotAfter().toInstant(), request));
    }
}
