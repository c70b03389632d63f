package dev.ward.agent.encryption;

import dev.ward.pki.NodeIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.AnnouncementRejectedException.Reason;
import java.security.cert.CertificateException;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnouncementVerifierTest {
    private static final TestPki PKI = new TestPki("verifier-ca");
    private final AnnouncementVerifier verifier = new AnnouncementVerifier(TestPki.TRUST_DOMAIN, PKI.verifier());
    private final NodeAnnouncement announcement = Announcements.sample("node-a", 4, 1);

    @Test
    void acceptsAnAnnouncementSignedByTheNodesOwnSvid() throws Exception {
        TestPki.Svid svid = PKI.issueNode("node-a");
        var signed = SignedNodeAnnouncement.sign(announcement, svid.chain(), svid.key().getPrivate());
        assertEquals(announcement, verifier.verify(signed));
        assertEquals(announcement, verifier.verify(AnnouncementCodec.decodeSigned(AnnouncementCodec.encodeSigned(signed))));
    }

    @Test
    void rejectsASignatureByAnotherKey() {
        TestPki.Svid svid = PKI.issueNode("node-a");
        var otherKey = TestPki.ecKeyPair("secp256r1");
        var signed = SignedNodeAnnouncement.sign(announcement, svid.chain(), otherKey.getPrivate());
        assertRejected(Reason.BAD_SIGNATURE, signed, "does not verify");
    }

    @Test
    void rejectsAnAnnouncementChangedAfterSigning() {
        TestPki.Svid svid = PKI.issueNode("node-a");
        var signed = SignedNodeAnnouncement.sign(announcement, svid.chain(), svid.key().getPrivate());
        var tampered = new SignedNodeAnnouncement(Announcements.withRevision(announcement, 2), signed.svidChain(), signed.signature());
        assertRejected(Reason.BAD_SIGNATURE, tampered, "does not verify");
        var garbage = new SignedNodeAnnouncement(announcement, signed.svidChain(), new byte[] {1, 2, 3});
        assertRejected(Reason.BAD_SIGNATURE, garbage, "does not verify");
    }

    @Test
    void rejectsAnSvidThatNamesAnotherNodeOrTrustDomain() {
        TestPki.Svid nodeB = PKI.issueNode("node-b");
        assertRejected(Reason.WRONG_IDENTITY, SignedNodeAnnouncement.sign(announcement, nodeB.chain(), nodeB.key().getPrivate()),
                "the SVID is for spiffe://cluster.test/ward/node/node-b, expected spiffe://cluster.test/ward/node/node-a");
        TestPki.Svid otherDomain = PKI.issue("spiffe://other.test/ward/node/node-a", TestPki.ecKeyPair("secp256r1"), false);
        assertRejected(Reason.WRONG_IDENTITY, sign(otherDomain), "other.test");
        TestPki.Svid workload = PKI.issue("spiffe://cluster.test/ns/default/sa/node-a", TestPki.ecKeyPair("secp256r1"), false);
        assertRejected(Reason.WRONG_IDENTITY, sign(workload), "/ns/default/sa/node-a");
    }

    @Test
    void rejectsACaCertificateAsLeafAndANonP256Key() {
        assertRejected(Reason.WRONG_IDENTITY, sign(PKI.issue(NodeIdentity.of(TestPki.TRUST_DOMAIN, "node-a").toString(),
                TestPki.ecKeyPair("secp256r1"), true)), "is a CA");
        assertRejected(Reason.BAD_SIGNATURE, sign(PKI.issue(NodeIdentity.of(TestPki.TRUST_DOMAIN, "node-a").toString(),
                TestPki.ecKeyPair("secp384r1"), false)), "not ECDSA P-256");
    }

    @Test
    void rejectsAChainTheClusterVerifierRefuses() {
        var selfKey = TestPki.ecKeyPair("secp256r1");
        var selfSigned = TestPki.selfSigned(NodeIdentity.of(TestPki.TRUST_DOMAIN, "node-a").toString(), selfKey);
        assertRejected(Reason.UNTRUSTED_CHAIN,
                SignedNodeAnnouncement.sign(announcement, List.of(selfSigned), selfKey.getPrivate()), "cluster CA");

        TestPki.Svid svid = PKI.issueNode("node-a");
        var revoking = new AnnouncementVerifier(TestPki.TRUST_DOMAIN, chain -> {
            throw new CertificateException("serial " + chain.getFirst().getSerialNumber() + " is revoked");
        });
        var error = assertThrows(AnnouncementRejectedException.class,
                () -> revoking.verify(SignedNodeAnnouncement.sign(announcement, svid.chain(), svid.key().getPrivate())));
        assertEquals(Reason.UNTRUSTED_CHAIN, error.reason());
        assertTrue(error.getMessage().contains("is revoked"), error.getMessage());
    }

    @Test
    void rejectsALeafWithoutExactlyOneUri() {
        var key = TestPki.ecKeyPair("secp256r1");
        var noUri = PKI.issue("spiffe://cluster.test/ward/node/node-a", key, false);
        // A self-signed certificate without SAN, accepted by a permissive chain verifier, still fails the ID check.
        var bare = TestPki.selfSigned(null, key);
        var permissive = new AnnouncementVerifier(TestPki.TRUST_DOMAIN, chain -> { });
        var error = assertThrows(AnnouncementRejectedException.class,
                () -> permissive.verify(SignedNodeAnnouncement.sign(announcement, List.of(bare), key.getPrivate())));
        assertEquals(Reason.WRONG_IDENTITY, error.reason());
        assertTrue(error.getMessage().contains("exactly one URI SAN"), error.getMessage());
        assertEquals("spiffe://cluster.test/ward/node/node-a", NodeIdentity.ofCertificate(noUri.leaf()).toString());
    }

    private SignedNodeAnnouncement sign(TestPki.Svid svid) {
        return SignedNodeAnnouncement.sign(announcement, svid.chain(), svid.key().getPrivate());
    }

    private void assertRejected(Reason reason, SignedNodeAnnouncement signed, String fragment) {
        var error = assertThrows(AnnouncementRejectedException.class, () -> verifier.verify(signed));
        assertEquals(reason, error.reason(), error.getMessage());
        assertTrue(error.getMessage().contains(fragment), error.getMessage());
        assertEquals("node-a", error.node());
    }
}
