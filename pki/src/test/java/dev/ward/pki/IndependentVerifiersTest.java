package dev.ward.pki;

import dev.ward.testbed.OpenSsl;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** What Ward issues, checked by verifiers Ward did not write: openssl and java-spiffe. */
class IndependentVerifiersTest {
    private final CertificateAuthority ca = TestPki.ca();

    @Test
    void opensslAcceptsAnIssuedChainAndRejectsItOnceRevoked() throws Exception {
        TestPki.Node n = TestPki.issue(ca, "n1");
        String bundle = Pem.encode(ca.certificate());
        String chain = Pem.encode(n.svid());

        OpenSsl.Result plain = OpenSsl.verify(chain, bundle, null);
        assertTrue(plain.ok(), plain.output());
        OpenSsl.Result withCrl = OpenSsl.verify(chain, bundle, TestPki.trust(ca).crlPem());
        assertTrue(withCrl.ok(), withCrl.output());

        String crl = TestPki.trust(ca, n.svid()).crlPem();
        OpenSsl.Result revoked = OpenSsl.verify(chain, bundle, crl);
        assertFalse(revoked.ok(), revoked.output());
        assertTrue(revoked.output().contains("certificate revoked"), revoked.output());
        assertTrue(OpenSsl.crlText(crl).output().contains(n.svid().getSerialNumber().toString(16).toUpperCase()), "openssl lists the serial");
    }

    @Test
    void opensslAcceptsBothGenerationsDuringRotation() throws Exception {
        CertificateAuthority next = TestPki.ca();
        TrustBundle both = new TrustBundle(TestPki.TD, List.of(next.certificate(), ca.certificate()));
        String crls = new ClusterTrust(both, List.of(TestPki.crl(next), TestPki.crl(ca))).crlPem();
        for (CertificateAuthority issuer : List.of(ca, next)) {
            OpenSsl.Result r = OpenSsl.verify(Pem.encode(TestPki.issue(issuer, "n1").svid()), both.toPem(), crls);
            assertTrue(r.ok(), r.output());
        }
        OpenSsl.Result oldOnly = OpenSsl.verify(Pem.encode(TestPki.issue(next, "n1").svid()), Pem.encode(ca.certificate()), null);
        assertFalse(oldOnly.ok(), "a bundle without the new CA does not accept its SVIDs: " + oldOnly.output());
    }

    @Test
    void javaSpiffeParsesTheSvidAndValidatesTheChain() throws Exception {
        TestPki.Node n = TestPki.issue(ca, "worker-7");
        X509Svid svid = X509Svid.parse(Pem.encode(n.svid()).getBytes(StandardCharsets.US_ASCII),
                Pem.encode(n.keys().getPrivate()).getBytes(StandardCharsets.US_ASCII));
        assertEquals("spiffe://cluster.test/ward/node/worker-7", svid.getSpiffeId().toString());
        X509SvidValidator.verifyChain(svid.getChain(), new X509Bundle(TestPki.TD, Set.of(ca.certificate())));
        X509Bundle parsed = X509Bundle.parse(TestPki.TD, TrustBundle.fromPem(Pem.encode(ca.certificate())).toPem().getBytes(StandardCharsets.US_ASCII));
        assertTrue(parsed.hasX509Authority(ca.certificate()));

        X509Bundle other = new X509Bundle(TestPki.TD, Set.of(TestPki.ca().certificate()));
        assertThrows(java.security.cert.CertificateException.class, () -> X509SvidValidator.verifyChain(svid.getChain(), other));
    }
}
