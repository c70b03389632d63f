package dev.ward.pki;

import dev.ward.testbed.OpenSsl;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class SvidIssuerTest {
    private final CertificateAuthority ca = TestPki.ca();

    @Test
    void svidFollowsTheSpiffeX509SvidRules() throws Exception {
        TestPki.Node node = TestPki.issue(ca, "worker-1");
        X509Certificate svid = node.svid();
        assertEquals(List.of("spiffe://cluster.test/ward/node/worker-1"), X509Extensions.uriSans(svid));
        assertEquals(List.of(), X509Extensions.nonUriSans(svid));
        assertEquals(-1, svid.getBasicConstraints(), "not a CA");
        boolean[] ku = svid.getKeyUsage();
        assertTrue(ku[0], "digitalSignature");
        for (int i = 1; i < ku.length; i++) assertFalse(ku[i], "only digitalSignature, bit " + i + " is set");
        assertTrue(svid.getCriticalExtensionOIDs().contains("2.5.29.15"));
        assertTrue(svid.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")));
        assertEquals(node.keys().getPublic(), svid.getPublicKey(), "the node's own key is certified");
        svid.verify(ca.certificate().getPublicKey());

        String text = OpenSsl.text(Pem.encode(svid)).output();
        assertTrue(text.contains("CA:FALSE"), text);
        assertTrue(text.contains("URI:spiffe://cluster.test/ward/node/worker-1"), text);
    }

    @Test
    void defaultLifetimeIs24HoursAndConfigurable() throws Exception {
        X509Certificate day = TestPki.issue(ca, "n").svid();
        assertEquals(TestPki.NOW.plus(Duration.ofHours(24)), day.getNotAfter().toInstant());
        assertEquals(TestPki.NOW.minus(SvidIssuer.CLOCK_SKEW), day.getNotBefore().toInstant());

        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        X509Certificate hour = SvidIssuer.issue(ca, TestPki.csr("n", keys), Duration.ofHours(1), TestPki.NOW);
        assertEquals(TestPki.NOW.plus(Duration.ofHours(1)), hour.getNotAfter().toInstant());
    }

    @Test
    void lifetimeNeverOutlivesTheCa() throws Exception {
        CertificateAuthority shortCa = CertificateAuthority.generate(TestPki.TD, KeyAlgorithm.EC_P256, Duration.ofHours(2), TestPki.NOW);
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        X509Certificate svid = SvidIssuer.issue(shortCa, TestPki.csr("n", keys), Duration.ofHours(24), TestPki.NOW);
        assertEquals(shortCa.certificate().getNotAfter(), svid.getNotAfter());
    }

    @Test
    void serialsAre128RandomBits() throws Exception {
        Set<BigInteger> seen = new HashSet<>();
        int wide = 0;
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        NodeCsr csr = TestPki.csr("n", keys);
        for (int i = 0; i < 200; i++) {
            BigInteger s = SvidIssuer.issue(ca, csr, Duration.ofHours(1), TestPki.NOW).getSerialNumber();
            assertTrue(s.signum() > 0 && s.bitLength() <= 128, "positive and at most 128 bits: " + s.toString(16));
            if (s.bitLength() > 120) wide++;
            assertTrue(seen.add(s), "serials never repeat");
        }
        // With 128 uniform bits, ~99.6% of serials have more than 120 significant bits.
        assertTrue(wide > 180, "serials use the full 128 bits, got " + wide + "/200 wider than 120 bits");
    }

    @Test
    void aCaOfAnotherTrustDomainDoesNotSign() throws Exception {
        CertificateAuthority other = CertificateAuthority.generate(TrustDomains.parse("other.test"), KeyAlgorithm.EC_P256, Duration.ofDays(1), TestPki.NOW);
        NodeCsr csr = TestPki.csr("n", KeyAlgorithm.EC_P256.generate());
        assertThrows(IllegalArgumentException.class, () -> SvidIssuer.issue(other, csr, Duration.ofHours(1), TestPki.NOW));
    }

    @Test
    void anExpiredCaDoesNotSign() throws Exception {
        NodeCsr csr = TestPki.csr("n", KeyAlgorithm.EC_P256.generate());
        Instant later = ca.certificate().getNotAfter().toInstant().plusSeconds(1);
        var e = assertThrows(IllegalStateException.class, () -> SvidIssuer.issue(ca, csr, Duration.ofHours(1), later));
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
    }
}
