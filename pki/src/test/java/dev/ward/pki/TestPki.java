package dev.ward.pki;

import io.spiffe.spiffeid.TrustDomain;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** A CA and node SVIDs for tests, made with the production code paths. */
final class TestPki {
    static final TrustDomain TD = TrustDomains.parse("cluster.test");
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    record Node(KeyPair keys, X509Certificate svid) {}

    private TestPki() {}

    static CertificateAuthority ca() {
        return CertificateAuthority.generate(TD, KeyAlgorithm.EC_P256, Duration.ofDays(365), NOW);
    }

    static NodeCsr csr(String node, KeyPair keys) throws CsrRejectedException {
        PKCS10CertificationRequest csr = NodeCsrs.create(keys, new NodeIdentity(TD, node));
        return new NodeCsrInspector(TD).inspect(csr);
    }

    static Node issue(CertificateAuthority ca, String node) throws CsrRejectedException {
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        return new Node(keys, SvidIssuer.issue(ca, csr(node, keys), SvidIssuer.DEFAULT_TTL, NOW));
    }

    static X509CRL crl(CertificateAuthority ca, X509Certificate... revoked) {
        return CrlSigner.sign(ca, List.of(revoked).stream().map(c -> new RevokedSerial(c.getSerialNumber(), NOW)).toList(),
                NOW.minusSeconds(60), NOW.plus(Duration.ofDays(2)), 1);
    }

    static ClusterTrust trust(CertificateAuthority ca, X509Certificate... revoked) {
        return new ClusterTrust(new TrustBundle(TD, List.of(ca.certificate())), List.of(crl(ca, revoked)));
    }
}
