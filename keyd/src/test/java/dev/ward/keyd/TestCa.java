package dev.ward.keyd;

import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.NodeCsr;
import dev.ward.pki.NodeCsrInspector;
import dev.ward.pki.NodeCsrs;
import dev.ward.pki.NodeIdentity;
import dev.ward.pki.SvidIssuer;
import dev.ward.pki.TrustDomains;
import io.spiffe.spiffeid.TrustDomain;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** CAs, CSRs and SVIDs for keyd's unit tests, made by the production code. */
final class TestCa {
    static final TrustDomain TD = TrustDomains.parse("cluster.test");
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    record Issued(KeyPair keys, X509Certificate svid) {}

    private TestCa() {}

    static CertificateAuthority ca() {
        return CertificateAuthority.generate(TD, KeyAlgorithm.EC_P256, Duration.ofDays(30), NOW);
    }

    static String csrPem(String node, KeyPair keys) {
        return NodeCsrs.pem(NodeCsrs.create(keys, new NodeIdentity(TD, node)));
    }

    static NodeCsr csr(String node, KeyPair keys) throws Exception {
        return new NodeCsrInspector(TD).inspect(csrPem(node, keys));
    }

    static Issued issue(CertificateAuthority ca, String node) throws Exception {
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        return new Issued(keys, SvidIssuer.issue(ca, csr(node, keys), Duration.ofHours(24), NOW));
    }
}
