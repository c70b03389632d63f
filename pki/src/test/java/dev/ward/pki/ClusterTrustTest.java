package dev.ward.pki;

import org.junit.jupiter.api.Test;

import java.security.cert.X509CRL;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ClusterTrustTest {
    private final CertificateAuthority ca = TestPki.ca();
    private final TrustBundle bundle = new TrustBundle(TestPki.TD, List.of(ca.certificate()));

    @Test
    void crlsRoundTripThroughPem() throws Exception {
        TestPki.Node n = TestPki.issue(ca, "n1");
        ClusterTrust trust = TestPki.trust(ca, n.svid());
        ClusterTrust back = ClusterTrust.fromPem(bundle.toPem(), trust.crlPem());
        assertTrue(back.crlFor(ca.certificate()).orElseThrow().isRevoked(n.svid()));
    }

    @Test
    void anAlteredCrlIsRefused() throws Exception {
        X509CRL crl = TestPki.crl(ca, TestPki.issue(ca, "n1").svid());
        byte[] der = crl.getEncoded();
        der[der.length - 3] ^= 0x01; // inside the signature
        String pem = "-----BEGIN X509 CRL-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END X509 CRL-----\n";
        var e = assertThrows(IllegalArgumentException.class, () -> ClusterTrust.fromPem(bundle.toPem(), pem));
        assertTrue(e.getMessage().contains("invalid signature") || e.getMessage().contains("CRL"), e.getMessage());
    }

    @Test
    void aCrlFromAnotherCaIsRefused() {
        X509CRL foreign = TestPki.crl(TestPki.ca());
        var e = assertThrows(IllegalArgumentException.class, () -> new ClusterTrust(bundle, List.of(foreign)));
        assertTrue(e.getMessage().contains("not from a CA in the trust bundle"), e.getMessage());
    }

    @Test
    void twoCrlsForOneCaAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ClusterTrust(bundle, List.of(TestPki.crl(ca), TestPki.crl(ca))));
        assertTrue(e.getMessage().contains("two CRLs"), e.getMessage());
    }
}
