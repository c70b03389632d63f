package dev.ward.agent.encryption.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.EpochKeyPair;
import dev.ward.agent.encryption.IpLiterals;
import dev.ward.agent.encryption.NodeAnnouncement;
import dev.ward.agent.encryption.SignedNodeAnnouncement;
import dev.ward.agent.encryption.agent.ForgedSvid;
import dev.ward.store.kv.DirectoryKv;
import dev.ward.store.kv.KvTxn;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store only moves bytes, but it must name garbage precisely and order rotation requests. */
class KvEncryptionStoreTest {
    @TempDir
    Path dir;

    private DirectoryKv kv;
    private KvEncryptionStore store;

    @BeforeEach
    void open() {
        kv = new DirectoryKv(dir);
        store = new KvEncryptionStore(kv, true, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void announcementsArePublishedListedWatchedAndWithdrawn() throws Exception {
        BlockingQueue<AnnouncementEvent> seen = new LinkedBlockingQueue<>();
        try (var watch = store.watchAnnouncements(seen::add)) {
            SignedNodeAnnouncement n1 = signed("n1");
            store.publish(n1);
            assertEquals(new AnnouncementEvent.Published("n1", n1), seen.poll(5, TimeUnit.SECONDS));
            assertEquals(Optional.of(new AnnouncementEvent.Published("n1", n1)), store.announcement("n1"));

            // Someone with store access writes n2's announcement under n3's key, and garbage under n4's.
            kv.commit(new KvTxn().put(KvEncryptionStore.ANNOUNCEMENTS + "n3", dev.ward.agent.encryption.AnnouncementJson.toJson(signed("n2")))
                    .put(KvEncryptionStore.ANNOUNCEMENTS + "n4", "{\"version\":1}"));
            Map<String, AnnouncementEvent> all = new java.util.TreeMap<>();
            store.announcements().forEach(event -> all.put(event.node(), event));
            assertEquals(List.of("n1", "n3", "n4"), List.copyOf(all.keySet()));
            assertEquals("the entry for n3 holds an announcement of n2", ((AnnouncementEvent.Malformed) all.get("n3")).reason());
            assertEquals("node is missing", ((AnnouncementEvent.Malformed) all.get("n4")).reason());

            assertTrue(store.withdraw("n1"));
            assertFalse(store.withdraw("n1"));
            AnnouncementEvent withdrawn;
            do {
                withdrawn = seen.poll(5, TimeUnit.SECONDS);
            } while (withdrawn != null && !(withdrawn instanceof AnnouncementEvent.Withdrawn));
            assertEquals(new AnnouncementEvent.Withdrawn("n1"), withdrawn);
            assertEquals(Optional.empty(), store.announcement("n1"));
        }
    }

    @Test
    void rotationRequestsAreOrderedStoreWide() throws Exception {
        BlockingQueue<RotationRequest> seen = new LinkedBlockingQueue<>();
        try (var watch = store.watchRotationRequests(seen::add)) {
            RotationRequest one = store.requestRotation(Optional.of("n1"));
            RotationRequest all = store.requestRotation(Optional.empty());
            assertTrue(all.sequence() > one.sequence());
            assertTrue(one.appliesTo("n1") && !one.appliesTo("n2"));
            assertTrue(all.appliesTo("n2"));
            assertEquals("node n1", one.target());
            assertEquals(one, seen.poll(5, TimeUnit.SECONDS));
            assertEquals(all, seen.poll(5, TimeUnit.SECONDS));
            assertEquals(List.of(all, one), store.rotationRequests());
        }
        kv.commit(new KvTxn().put(KvEncryptionStore.ROTATION_NODE + "n2", "not json"));
        assertEquals(2, store.rotationRequests().size(), "an unreadable request is skipped, not fatal");
    }

    @Test
    void statusRecordsRoundTrip() {
        EncryptionStatus status = new EncryptionStatus("n1", 5, Instant.parse("2026-12-01T10:00:00Z"), List.of("n2", "n3"),
                List.of("n2"), List.of("n3"), Map.of("n4", "untrusted"), 3, Map.of("XfrmInNoStates", 2L), false, Instant.now());
        store.writeStatus(status);
        assertEquals(List.of(status), store.statuses());
        assertTrue(status.sameStateAs(new EncryptionStatus("n1", 5, status.lastRotation(), status.peers(), status.encryptedPeers(),
                status.pendingAcks(), status.refusedPeers(), 3, status.xfrmErrors(), false, status.updatedAt().plus(Duration.ofMinutes(1)))));
    }

    private static SignedNodeAnnouncement signed(String node) throws Exception {
        ForgedSvid svid = ForgedSvid.selfSigned("cluster.test", node);
        NodeAnnouncement announcement = new NodeAnnouncement(node, List.of(IpLiterals.parse("192.168.1.1")),
                List.of(Cidr.parse("10.1.0.0/24")), EpochKeyPair.generate(1).publicKey(), 1, List.of(), List.of());
        return SignedNodeAnnouncement.sign(announcement, List.of(svid.certificate()), svid.key().getPrivate());
    }
}
