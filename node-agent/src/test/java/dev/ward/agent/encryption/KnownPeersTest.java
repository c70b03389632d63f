package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.AnnouncementRejectedException.Reason;
import java.security.cert.CertificateException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class KnownPeersTest {
    private static final TestPki PKI = new TestPki("accept-ca");
    private static final TestPki.Svid NODE_B = PKI.issueNode("node-b");
    private final KnownPeers accepted =
            new KnownPeers("node-a", new AnnouncementVerifier(TestPki.TRUST_DOMAIN, PKI.verifier()));

    @Test
    void membershipAndRefusalsMoveTogetherAsTheTrustChanges() throws Exception {
        AtomicBoolean trusted = new AtomicBoolean(false);
        KnownPeers peers = new KnownPeers("node-a", new AnnouncementVerifier(TestPki.TRUST_DOMAIN, chain -> {
            if (!trusted.get()) throw new CertificateException("its CA is not in the bundle yet");
        }));
        NodeAnnouncement b = Announcements.sample("node-b", 3, 1);
        assertThrows(AnnouncementRejectedException.class, () -> peers.accept(signed(b)));
        assertTrue(peers.refusalOf("node-b").orElseThrow().contains("its CA is not in the bundle yet"));
        assertEquals(1, peers.refusedAnnouncements().size(), "kept for a retry when the trust changes");
        assertTrue(peers.members().isEmpty());

        trusted.set(true); // the CA rotation reached the bundle
        assertEquals(Optional.of(b), peers.accept(peers.refusedAnnouncements().getFirst()));
        assertEquals(Map.of(), peers.refusedReasons());
        assertEquals(Set.of("node-b"), peers.verifiedNodes());

        trusted.set(false); // its SVID was revoked
        assertEquals(Set.of("node-b"), peers.verifyMembersAgain().keySet());
        assertTrue(peers.members().isEmpty());
        assertTrue(peers.verifiedNodes().isEmpty());
        assertTrue(peers.refusalOf("node-b").isPresent());
        assertTrue(peers.refuse("node-b", "unreadable"), "a new reason");
        assertEquals(1, peers.refusedAnnouncements().size(), "a later unreadable copy keeps the signed one for a retry");

        peers.forget("node-b");
        assertEquals(Map.of(), peers.refusedReasons());
        assertTrue(peers.refusedAnnouncements().isEmpty());
    }

    @Test
    void acceptsNewerAnnouncementsAndIgnoresRedeliveries() throws Exception {
        NodeAnnouncement first = Announcements.sample("node-b", 3, 1);
        assertEquals(Optional.of(first), accepted.accept(signed(first)));
        assertEquals(Optional.empty(), accepted.accept(signed(first)), "a re-delivered announcement is not news");
        NodeAnnouncement second = Announcements.withRevision(first, 2);
        assertEquals(Optional.of(second), accepted.accept(signed(second)));
        NodeAnnouncement rotated = Announcements.sample("node-b", 4, 1);
        assertEquals(Optional.of(rotated), accepted.accept(signed(rotated)));
        assertEquals(rotated, accepted.member("node-b").orElseThrow());
    }

    @Test
    void rejectsReplaysOfOlderEpochsAndRevisions() throws Exception {
        NodeAnnouncement old = Announcements.sample("node-b", 3, 5);
        NodeAnnouncement current = Announcements.sample("node-b", 4, 1);
        accepted.accept(signed(old));
        accepted.accept(signed(current));

        assertRejected(Reason.STALE, old, "epoch 3 is older than the accepted epoch 4");
        NodeAnnouncement newer = Announcements.withRevision(current, 3);
        accepted.accept(signed(newer));
        assertRejected(Reason.STALE, Announcements.withRevision(current, 2), "revision 2 of epoch 4 is older");
        assertEquals(newer, accepted.member("node-b").orElseThrow(), "a rejected replay changes nothing");
    }

    @Test
    void rejectsEquivocation() throws Exception {
        NodeAnnouncement current = Announcements.sample("node-b", 4, 1);
        accepted.accept(signed(current));
        assertRejected(Reason.CONFLICTING, Announcements.sample("node-b", 4, 2), "a second public key for epoch 4");
        NodeAnnouncement sameRevision = new NodeAnnouncement("node-b", current.underlay(), current.podCidrs(), current.key(),
                1, java.util.List.of(), java.util.List.of());
        assertRejected(Reason.CONFLICTING, sameRevision, "different content for epoch 4 revision 1");
    }

    @Test
    void aForgottenNodeCannotBeReplayedBackIn() throws Exception {
        NodeAnnouncement last = Announcements.sample("node-b", 7, 2);
        accepted.accept(signed(last));
        accepted.forget("node-b");
        assertTrue(accepted.member("node-b").isEmpty());
        assertEquals(Optional.empty(), accepted.accept(signed(last)), "its last announcement is no news");
        assertTrue(accepted.member("node-b").isEmpty(), "and does not re-admit it");
        assertRejected(Reason.STALE, Announcements.sample("node-b", 6, 9), "epoch 6 is older");
        NodeAnnouncement rejoined = Announcements.sample("node-b", 8, 1);
        assertEquals(Optional.of(rejoined), accepted.accept(signed(rejoined)), "a newer epoch is a legitimate rejoin");
    }

    @Test
    void ignoresItsOwnAnnouncement() throws Exception {
        TestPki.Svid self = PKI.issueNode("node-a");
        NodeAnnouncement own = Announcements.sample("node-a", 1, 1);
        assertEquals(Optional.empty(), accepted.accept(SignedNodeAnnouncement.sign(own, self.chain(), self.key().getPrivate())));
        assertTrue(accepted.members().isEmpty());
    }

    @Test
    void verifiesBeforeJudgingFreshness() throws Exception {
        NodeAnnouncement current = Announcements.sample("node-b", 4, 1);
        TestPki.Svid impostor = PKI.issueNode("node-c");
        var error = assertThrows(AnnouncementRejectedException.class, () -> accepted.accept(
                SignedNodeAnnouncement.sign(current, impostor.chain(), impostor.key().getPrivate())));
        assertEquals(Reason.WRONG_IDENTITY, error.reason());
        assertEquals(Optional.of(current), accepted.accept(signed(current)), "a forged copy must not block the real one");
    }

    private static SignedNodeAnnouncement signed(NodeAnnouncement announcement) {
        return SignedNodeAnnouncement.sign(announcement, NODE_B.chain(), NODE_B.key().getPrivate());
    }

    private void assertRejected(Reason reason, NodeAnnouncement announcement, String fragment) {
        var error = assertThrows(AnnouncementRejectedException.class, () -> accepted.accept(signed(announcement)));
        assertEquals(reason, error.reason(), error.getMessage());
        assertTrue(error.getMessage().contains(fragment), error.getMessage());
    }
}
