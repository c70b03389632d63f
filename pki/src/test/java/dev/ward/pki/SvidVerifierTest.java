package dev.ward.pki;

import dev.ward.pki.SvidRejectedException.Reason;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SvidVerifierTest {
    private final CertificateAuthority ca = TestPki.ca();
    private final SvidVerifier verifier = at(TestPki.NOW);

    @Test
    void aFreshSvidVerifiesAndSaysWhoItIs() throws Exception {
        TestPki.Node n = TestPki.issue(ca, "worker-1");
        VerifiedSvid v = verifier.verify(List.of(n.svid()), TestPki.trust(ca), "worker-1");
        assertEquals("worker-1", v.node());
        assertEquals(ca.certificate(), v.issuingCa());
        assertEquals(n.svid().getSerialNumber(), v.serial());
        // A chain that also carries the CA itself is the same chain.
        assertEquals("worker-1", verifier.verify(List.of(n.svid(), ca.certificate()), TestPki.trust(ca)).node());
    }

    @Test
    void revokedIsRefused() throws Exception {
        TestPki.Node n = TestPki.issue(ca, "n1");
        TestPki.Node other = TestPki.issue(ca, "n2");
        ClusterTrust trust = TestPki.trust(ca, n.svid());
        assertReason(Reason.REVOKED, "revoked", List.of(n.svid()), trust, null);
        assertEquals("n2", verifier.verify(List.of(other.svid()), trust).node(), "other nodes are unaffected");
    }

    @Test
    void withoutACurrentCrlTheStatusIsUnknownAndTheSvidRefused() throws Exception {
        TestPki.Node n = TestPki.issue(ca, "n1");
        ClusterTrust noCrl = new ClusterTrust(new TrustBundle(TestPki.TD, List.of(ca.certificate())), List.of());
        assertReason(Reason.REVOCATION_UNKNOWN, "no CRL", List.of(n.svid()), noCrl, null);

        var stale = new ClusterTrust(noCrl.bundle(), List.of(CrlSigner.sign(ca, List.of(),
                TestPki.NOW.minus(Duration.ofDays(3)), TestPki.NOW.minus(Duration.ofDays(1)), 1)));
        assertReason(Reason.REVOCATION_UNKNOWN, "expired", List.of(n.svid()), stale, null);
    }

    @Test
    void expiryAndNotYetValidAreReported() throws Exception {
        TestPki.Node n = TestPki.issue(ca, "n1");
        ClusterTrust trust = new ClusterTrust(new TrustBundle(TestPki.TD, List.of(ca.certificate())),
                List.of(CrlSigner.sign(ca, List.of(), TestPki.NOW.minus(Duration.ofDays(3)), TestPki.NOW.plus(Duration.ofDays(3)), 1)));
        var late = assertThrows(SvidRejectedException.class,
                () -> at(TestPki.NOW.plus(Duration.ofHours(25))).verify(List.of(n.svid()), trust));
        assertEquals(Reason.EXPIRED, late.reason(), late.getMessage());
        var early = assertThrows(SvidRejectedException.class,
                () -> at(TestPki.NOW.minus(Duration.ofHours(1))).verify(List.of(n.svid()), trust));
        assertEquals(Reason.NOT_YET_VALID, early.reason(), early.getMessage());
    }

    @Test
    void aChainToAnotherCaIsUntrusted() throws Exception {
        CertificateAuthority rogue = TestPki.ca(); // same trust domain, not in the bundle
        assertReason(Reason.UNTRUSTED, "does not lead to a CA in the trust bundle",
                List.of(TestPki.issue(rogue, "n1").svid()), TestPki.trust(ca), null);
    }

    @Test
    void aTamperedSvidIsUntrusted() throws Exception {
        X509Certificate good = TestPki.issue(ca, "n1").svid();
        byte[] der = good.getEncoded();
        der[der.length - 4] ^= 0x01; // signature bytes
        X509Certificate bad = Pem.certificate(der, "tampered");
        assertReason(Reason.UNTRUSTED, "signature", List.of(bad), TestPki.trust(ca), null);
    }

    @Test
    void anotherNodesSvidIsTheWrongNode() throws Exception {
        assertReason(Reason.WRONG_NODE, "expected node n2", List.of(TestPki.issue(ca, "n1").svid()), TestPki.trust(ca), "n2");
    }

    @Test
    void anotherTrustDomainIsRefused() throws Exception {
        CertificateAuthority other = CertificateAuthority.generate(TrustDomains.parse("other.test"), KeyAlgorithm.EC_P256, Duration.ofDays(1), TestPki.NOW);
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        NodeCsr csr = new NodeCsrInspector(other.trustDomain()).inspect(NodeCsrs.create(keys, new NodeIdentity(other.trustDomain(), "n1")));
        X509Certificate svid = SvidIssuer.issue(other, csr, Duration.ofHours(1), TestPki.NOW);
        assertReason(Reason.WRONG_TRUST_DOMAIN, "other.test", List.of(svid), TestPki.trust(ca), null);
    }

    @Test
    void nonNodeIdsAndNonSvidsAreRefused() throws Exception {
        assertReason(Reason.NOT_A_NODE_ID, "not a Ward node ID",
                List.of(leaf(List.of("spiffe://cluster.test/ns/x/sa/y"), false, KeyUsage.digitalSignature)), TestPki.trust(ca), null);
        assertReason(Reason.NOT_AN_SVID, "exactly one URI SAN",
                List.of(leaf(List.of("spiffe://cluster.test/ward/node/a", "spiffe://cluster.test/ward/node/b"), false, KeyUsage.digitalSignature)),
                TestPki.trust(ca), null);
        assertReason(Reason.NOT_AN_SVID, "not a SPIFFE ID",
                List.of(leaf(List.of("https://cluster.test/ward/node/a"), false, KeyUsage.digitalSignature)), TestPki.trust(ca), null);
    }

    @Test
    void leavesWithCaPowersAreRefused() throws Exception {
        String id = "spiffe://cluster.test/ward/node/n1";
        assertReason(Reason.NOT_A_LEAF, "is a CA", List.of(leaf(List.of(id), true, KeyUsage.digitalSignature)), TestPki.trust(ca), null);
        assertReason(Reason.NOT_A_LEAF, "keyCertSign", List.of(leaf(List.of(id), false, KeyUsage.digitalSignature | KeyUsage.keyCertSign)), TestPki.trust(ca), null);
        assertReason(Reason.NOT_A_LEAF, "digitalSignature", List.of(leaf(List.of(id), false, KeyUsage.keyEncipherment)), TestPki.trust(ca), null);
    }

    @Test
    void duringRotationBothCasVouchAndEachNeedsItsOwnCrl() throws Exception {
        CertificateAuthority next = TestPki.ca();
        TestPki.Node old = TestPki.issue(ca, "n1");
        TestPki.Node renewed = TestPki.issue(next, "n1");
        TrustBundle both = new TrustBundle(TestPki.TD, List.of(next.certificate(), ca.certificate()));
        ClusterTrust trust = new ClusterTrust(both, List.of(TestPki.crl(next), TestPki.crl(ca, old.svid())));
        assertEquals(next.certificate(), verifier.verify(List.of(renewed.svid()), trust).issuingCa());
        assertReason(Reason.REVOKED, "revoked", List.of(old.svid()), trust, null);
        ClusterTrust onlyNewCrl = new ClusterTrust(both, List.of(TestPki.crl(next)));
        assertReason(Reason.REVOCATION_UNKNOWN, "no CRL", List.of(old.svid()), onlyNewCrl, null);
    }

    @Test
    void anEmptyChainIsMalformed() {
        assertReason(Reason.MALFORMED, "empty", List.of(), TestPki.trust(ca), null);
    }

    @Test
    void rejectionsAreCertificateExceptionsForJdkStyleCallers() {
        assertInstanceOf(java.security.cert.CertificateException.class, new SvidRejectedException(Reason.REVOKED, "x"));
    }

    private X509Certificate leaf(List<String> uris, boolean isCa, int keyUsage) throws Exception {
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        GeneralName[] names = uris.stream().map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u)).toArray(GeneralName[]::new);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), Serials.random128(),
                Date.from(TestPki.NOW.minusSeconds(60)), Date.from(TestPki.NOW.plus(Duration.ofHours(1))), new X500Name("O=Ward"), keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa))
                .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        return Pem.certificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.privateKey())).getEncoded(), "test leaf");
    }

    private void assertReason(Reason reason, String fragment, List<X509Certificate> chain, ClusterTrust trust, String node) {
        var e = assertThrows(SvidRejectedException.class, () -> verifier.verify(chain, trust, node));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "message names the problem: " + e.getMessage());
    }

    private static SvidVerifier at(Instant now) {
        return new SvidVerifier(Clock.fixed(now, ZoneOffset.UTC));
    }
}
