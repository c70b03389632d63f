package dev.ward.pki;

import dev.ward.testbed.OpenSsl;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class CertificateAuthorityTest {
    @Test
    void caCertificateIsARootThatCanOnlySignLeavesAndCrls() throws Exception {
        CertificateAuthority ca = TestPki.ca();
        X509Certificate cert = ca.certificate();
        assertEquals(0, cert.getBasicConstraints(), "CA:true with path length 0");
        assertTrue(cert.getCriticalExtensionOIDs().contains("2.5.29.19"), "basicConstraints is critical");
        assertTrue(cert.getCriticalExtensionOIDs().contains("2.5.29.15"), "keyUsage is critical");
        boolean[] ku = cert.getKeyUsage();
        assertTrue(ku[5] && ku[6], "keyCertSign and cRLSign");
        assertFalse(ku[0], "no digitalSignature: the CA key signs only certificates and CRLs");
        assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
        cert.verify(cert.getPublicKey());
        assertEquals(TestPki.TD, ca.trustDomain());
        assertEquals(KeyAlgorithm.EC_P256, ca.keyAlgorithm());
        assertEquals("SHA256withECDSA", cert.getSigAlgName());

        String text = OpenSsl.text(Pem.encode(cert)).output();
        assertTrue(text.contains("CA:TRUE, pathlen:0"), text);
        assertTrue(text.contains("Certificate Sign, CRL Sign"), text);
        assertTrue(text.contains("URI:spiffe://cluster.test"), text);
        assertTrue(text.contains("ASN1 OID: prime256v1"), text);
    }

    @Test
    void p384IsAvailableForOperatorsWhoAskForIt() {
        CertificateAuthority ca = CertificateAuthority.generate(TestPki.TD, KeyAlgorithm.EC_P384, Duration.ofDays(30), TestPki.NOW);
        assertEquals(KeyAlgorithm.EC_P384, ca.keyAlgorithm());
        assertEquals("SHA384withECDSA", ca.certificate().getSigAlgName());
    }

    @Test
    void eachCaHasItsOwnSubjectSoOldAndNewCanBeToldApart() {
        assertNotEquals(TestPki.ca().certificate().getSubjectX500Principal(), TestPki.ca().certificate().getSubjectX500Principal());
    }

    @Test
    void aPrivateKeyFromAnotherCaIsRefused() {
        CertificateAuthority a = TestPki.ca();
        CertificateAuthority b = TestPki.ca();
        var e = assertThrows(IllegalArgumentException.class, () -> new CertificateAuthority(a.certificate(), b.privateKey()));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void aLeafCannotBeUsedAsCa() throws Exception {
        CertificateAuthority ca = TestPki.ca();
        TestPki.Node node = TestPki.issue(ca, "n1");
        assertThrows(IllegalArgumentException.class, () -> new CertificateAuthority(node.svid(), node.keys().getPrivate()));
    }

    @Test
    void toStringNeverShowsTheKey() {
        CertificateAuthority ca = TestPki.ca();
        String s = ca.toString();
        assertFalse(s.contains(java.util.Base64.getEncoder().encodeToString(ca.privateKey().getEncoded()).substring(0, 20)));
        assertTrue(s.contains(ca.id()));
    }

    @Test
    void keyAlgorithmParsesOperatorSpellings() {
        assertEquals(KeyAlgorithm.EC_P256, KeyAlgorithm.parse("P-256"));
        assertEquals(KeyAlgorithm.EC_P384, KeyAlgorithm.parse("ec-p384"));
        assertThrows(IllegalArgumentException.class, () -> KeyAlgorithm.parse("rsa2048"));
    }
}
