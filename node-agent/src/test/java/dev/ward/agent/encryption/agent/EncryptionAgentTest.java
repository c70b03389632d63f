package dev.ward.agent.encryption.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.EpochPublicKey;
import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.EspKey;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.NodeAnnouncement;
import dev.ward.agent.encryption.SessionEvent;
import dev.ward.agent.encryption.SignedNodeAnnouncement;
import dev.ward.agent.encryption.Spi;
import dev.ward.agent.encryption.X25519;
import dev.ward.agent.encryption.store.AnnouncementEvent;
import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.agent.encryption.store.EncryptionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three encryption agents with real SVIDs from keyd, meeting in a real etcd, each programming an in-memory
 * kernel that the {@link KernelMesh} checks after every single step: no node ever sends on an SA its peer has
 * not installed with the same key.
 */
class EncryptionAgentTest {
    private static final List<String> ALL = List.of("n1", "n2", "n3");
    private static final Duration CONVERGE = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private TestCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new TestCluster(tmp);
        for (int i = 0; i < ALL.size(); i++) {
            cluster.join(ALL.get(i), i + 1);
        }
        TestCluster.await(CONVERGE, "a full mesh of three", () -> cluster.converged(ALL));
    }

    @AfterEach
    void stopCluster() throws Exception {
        cluster.close();
    }

    @Test
    void threeNodesMeshAndRotateWithoutEverSendingAheadOfTheReceiver() throws Exception {
        for (String name : ALL) {
            RecordingKernel kernel = cluster.node(name).kernel;
            long encrypts = kernel.policies().stream().filter(p -> p instanceof DataplanePolicy.Encrypt).count();
            assertEquals(2, encrypts, name + " encrypts to both peers");
            assertTrue(kernel.policies().stream().anyMatch(p -> p instanceof DataplanePolicy.Block), name + " blocks plaintext");
        }
        Map<String, Long> epochs = epochs();
        EncryptionStore operator = cluster.encryptionStore();
        for (int round = 1; round <= 3; round++) {
            Map<String, Long> before = epochs();
            operator.requestRotation(Optional.empty());
            TestCluster.await(CONVERGE, "rotation " + round + " to converge", () -> allRotatedFrom(before) && cluster.converged(ALL));
        }
        Map<String, Long> beforeOne = epochs();
        operator.requestRotation(Optional.of("n2"));
        TestCluster.await(CONVERGE, "n2 alone to rotate", () -> cluster.node("n2").agent.currentEpoch() > beforeOne.get("n2") && cluster.converged(ALL));
        assertEquals(beforeOne.get("n1"), epochs().get("n1"), "a request for n2 leaves n1 alone");

        // The kernel reports the soft lifetime of n3's inbound SA from n1 expired: n3 starts a new epoch.
        var n3 = cluster.node("n3");
        KernelSa expiring = n3.kernel.snapshot().values().stream()
                .filter(sa -> sa.destination().equals(n3.local().underlay().getFirst())).findFirst().orElseThrow();
        Map<String, Long> beforeExpiry = epochs();
        n3.agent.onKernelEvent(new SessionEvent.SoftExpired(expiring.destination(), expiring.spi()));
        TestCluster.await(CONVERGE, "n3 to rotate on the soft expiry", () -> n3.agent.currentEpoch() > beforeExpiry.get("n3") && cluster.converged(ALL));

        for (String name : ALL) {
            assertTrue(epochs().get(name) > epochs.get(name));
        }
        assertEquals(List.of(), cluster.mesh.violations(), "no node sent on an SA its peer lacked");
        assertTrue(cluster.mesh.checks() > 100, "the mesh was checked at every step: " + cluster.mesh.checks());
        Path keyring = cluster.node("n1").stateDir().resolve(KeyringFile.NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyring)));

        // Every node's status record reflects the mesh, as wardctl reads it.
        List<EncryptionStatus> statuses = operator.statuses();
        assertEquals(ALL, statuses.stream().map(EncryptionStatus::node).sorted().toList());
        for (EncryptionStatus status : statuses) {
            assertEquals(epochs().get(status.node()), status.epoch());
            assertEquals(4, status.sasInstalled());
            assertEquals(2, status.encryptedPeers().size());
            assertTrue(status.pendingAcks().isEmpty());
            assertTrue(status.xfrmErrors().containsKey("XfrmInNoStates"));
        }
    }

    @Test
    void nothingIsAcknowledgedWhileTheKernelRefusesTheInboundSas() throws Exception {
        var n2 = cluster.node("n2");
        long epoch = n2.agent.currentEpoch();
        n2.kernel.refuseNext(2);
        n2.agent.rotateNow("test");
        TestCluster.await(CONVERGE, "n2's rotation to get through once its kernel takes it",
                () -> n2.agent.currentEpoch() > epoch && cluster.converged(ALL));
        assertEquals(2, n2.kernel.refused());
        assertEquals(List.of(), cluster.mesh.violations(), "no peer was told to use an SA n2's kernel had refused");
    }

    @Test
    void scheduledRotationRecursAndSurvivesRestarts() throws Exception {
        var n1 = cluster.node("n1");
        long epoch = n1.agent.currentEpoch();
        n1.stopAgent();
        n1.startAgent(Duration.ofSeconds(2));
        java.util.Set<Long> seen = new java.util.TreeSet<>(List.of(epoch));
        TestCluster.await(Duration.ofSeconds(15), "two scheduled rotations of n1", () -> {
            seen.add(n1.agent.currentEpoch());
            return seen.size() >= 3;
        });
        TestCluster.await(CONVERGE, "the mesh between rotations", () -> cluster.converged(ALL));
        assertEquals(List.of(), cluster.mesh.violations());
    }

    @Test
    void renewedSvidsAreAnnouncedSoPeersKeepTrustingTheNodeAfterTheOldOneExpires() throws Exception {
        cluster.close();
        cluster = new TestCluster(tmp.resolve("short-lived"), Duration.ofSeconds(6));
        for (int i = 0; i < ALL.size(); i++) {
            cluster.join(ALL.get(i), i + 1);
        }
        TestCluster.await(CONVERGE, "a full mesh of three", () -> cluster.converged(ALL));
        var n1 = cluster.node("n1");
        var first = n1.identity.current();
        EncryptionStore store = cluster.encryptionStore();
        // Renewal at 3 s; the first SVID expires at 6 s; keyd re-publishes the CRL meanwhile, and every
        // trust change makes the peers verify n1's announcement again.
        TestCluster.await(Duration.ofSeconds(20), "n1's first SVID to expire after a renewal", () -> first.notAfter().isBefore(java.time.Instant.now()));
        TestCluster.await(CONVERGE, "n1's announcement under its current SVID", () -> store.announcement("n1")
                .map(event -> ((AnnouncementEvent.Published) event).signed().leaf())
                .filter(leaf -> leaf.equals(n1.identity.current().leaf())).isPresent());
        // A trust change: revoking a node that only ever had a join token publishes the CRL again.
        cluster.nodeAdmin().createToken("n9-unrelated", Duration.ofMinutes(5));
        cluster.nodeAdmin().revoke("n9-unrelated");
        Thread.sleep(1000);
        assertTrue(cluster.converged(ALL), "n1 stays in the mesh with its renewed SVID");
        assertFalse(cluster.node("n2").agent.status().refusedPeers().containsKey("n1"));
        assertNotEquals(first.serial(), n1.identity.current().serial());
    }

    @Test
    void aRevokedNodeIsCutOffByEveryPeerWithinFiveSeconds() throws Exception {
        var n3 = cluster.node("n3");
        var n3Underlay = n3.local().underlay().getFirst();
        cluster.mesh.exempt("n3");
        long revokedAt = System.nanoTime();
        cluster.nodeAdmin().revoke("n3");
        TestCluster.await(Duration.ofSeconds(5), "n1 and n2 to remove every SA and policy with n3",
                () -> cluster.node("n1").kernel.entriesWith(n3Underlay).isEmpty() && cluster.node("n2").kernel.entriesWith(n3Underlay).isEmpty());
        Duration cutOff = Duration.ofNanos(System.nanoTime() - revokedAt);
        System.out.println("revoked node cut off by every peer in " + cutOff.toMillis() + " ms");
        TestCluster.await(Duration.ofSeconds(5), "n3 to cut itself off", () -> n3.kernel.snapshot().isEmpty());
        assertTrue(n3.kernel.policies().stream().noneMatch(p -> p instanceof DataplanePolicy.Encrypt || p instanceof DataplanePolicy.RequireEsp));
        assertTrue(n3.kernel.policies().stream().anyMatch(p -> p instanceof DataplanePolicy.Block), "n3's plaintext stays blocked");
        assertTrue(n3.agent.status().revoked());
        assertTrue(cluster.converged(List.of("n1", "n2")), "the others keep talking");
        EncryptionStatus n1 = cluster.node("n1").agent.status();
        assertTrue(n1.refusedPeers().get("n3").contains("revoked"), n1.refusedPeers().toString());
        assertEquals(List.of(), cluster.mesh.violations());
    }

    /**
     * Events change the kernel by what they change: n1 follows three rotations without dumping its SAs once beyond
     * the periodic reconcile's full reads. That reconcile then finds an SA planted and another lost behind n1's back
     * (no event touches either) and repairs both.
     */
    @Test
    void eventsApplyOnlyWhatChangesAndThePeriodicReconcileRepairsDrift() throws Exception {
        var n1 = cluster.node("n1");
        n1.stopAgent();
        n1.startAgent(Duration.ofHours(24), Duration.ofSeconds(2));
        TestCluster.await(CONVERGE, "the mesh after n1's restart", () -> cluster.converged(ALL));
        int dumpsBefore = n1.kernel.dumps();
        long fullReadsBefore = n1.agent.kernelFullReads();
        int appliesBefore = n1.kernel.applies();
        EncryptionStore operator = cluster.encryptionStore();
        for (int round = 1; round <= 3; round++) {
            Map<String, Long> before = epochs();
            operator.requestRotation(Optional.empty());
            TestCluster.await(CONVERGE, "rotation " + round, () -> allRotatedFrom(before) && cluster.converged(ALL));
        }
        int applied = n1.kernel.applies() - appliesBefore;
        long fullReads = n1.agent.kernelFullReads() - fullReadsBefore;
        assertTrue(applied >= 6, "three rotations changed n1's kernel " + applied + " times");
        assertEquals(fullReads, n1.kernel.dumps() - dumpsBefore, "every dump was a periodic reconcile's, none an event's");
        assertTrue(fullReads < applied, fullReads + " full reads for " + applied + " changes");

        Thread.sleep(TestCluster.DRAIN.toMillis() * 3); // the retired SAs' drain is over: nothing is about to change
        Map<KernelSa.Slot, KernelSa> wanted = n1.kernel.snapshot();
        KernelSa lost = wanted.values().iterator().next();
        KernelSa planted = new KernelSa(new Spi(0x7fff0002L), lost.source(), lost.destination(), new EspKey(EspCipher.AES_128_GCM, new byte[20]));
        long driftsBefore = n1.agent.kernelDriftsRepaired();
        n1.kernel.lose(lost);
        n1.kernel.inject(planted);
        TestCluster.await(Duration.ofSeconds(10), "the periodic reconcile to repair n1's kernel", () -> n1.kernel.snapshot().equals(wanted));
        assertEquals(driftsBefore + 1, n1.agent.kernelDriftsRepaired());
        assertTrue(n1.kernel.removed().contains(planted), "the planted SA was removed");
    }

    @Test
    void aRestartedAgentKeepsValidSasRemovesStaleOnesAndAddsMissingOnes() throws Exception {
        var n2 = cluster.node("n2");
        long epoch = n2.agent.currentEpoch();
        n2.stopAgent();
        Map<KernelSa.Slot, KernelSa> valid = n2.kernel.snapshot();
        KernelSa lost = valid.values().stream().filter(sa -> sa.destination().equals(n2.local().underlay().getFirst())).findFirst().orElseThrow();
        n2.kernel.lose(lost);
        KernelSa stale = new KernelSa(new Spi(0x7fff0001L), lost.source(), lost.destination(), new EspKey(EspCipher.AES_128_GCM, new byte[20]));
        n2.kernel.inject(stale);
        int removedBefore = n2.kernel.removed().size();

        n2.startAgent();
        assertEquals(epoch, n2.agent.currentEpoch(), "the keyring brought the epoch back");
        Map<KernelSa.Slot, KernelSa> after = n2.kernel.snapshot();
        assertEquals(valid, after, "valid SAs kept, the lost one back with the same SPI and key, the stale one gone");
        assertEquals(List.of(stale), n2.kernel.removed().subList(removedBefore, n2.kernel.removed().size()), "only the stale SA was removed");
        TestCluster.await(CONVERGE, "the mesh after the restart", () -> cluster.converged(ALL));
        assertEquals(List.of(), cluster.mesh.violations());
    }

    @Test
    void theAgentFollowsTheStoreAndNeverListsItAgain() throws Exception {
        var n1 = cluster.node("n1");
        n1.stopAgent();
        java.util.concurrent.atomic.AtomicInteger listings = new java.util.concurrent.atomic.AtomicInteger();
        EncryptionStore real = dev.ward.agent.encryption.store.EncryptionStores.open(cluster.location, cluster.clock);
        EncryptionStore counting = (EncryptionStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {EncryptionStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("announcements") || method.getName().equals("rotationRequests")) listings.incrementAndGet();
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        n1.startAgent(counting, Duration.ofHours(24), Duration.ofMillis(50));
        int atStart = listings.get();
        assertEquals(2, atStart, "one listing of announcements and one of rotation requests at start");
        Thread.sleep(1000); // twenty reconcile rounds
        cluster.encryptionStore().requestRotation(Optional.of("n2"));
        TestCluster.await(CONVERGE, "the mesh after n2's rotation", () -> cluster.converged(ALL));
        assertEquals(atStart, listings.get(), "the store is followed by its watches, never listed again");
    }

    @Test
    void aWithdrawnPeerIsForgottenUntilItAnnouncesAgain() throws Exception {
        var n1 = cluster.node("n1");
        var n3Underlay = cluster.node("n3").local().underlay().getFirst();
        int removedBefore = n1.kernel.removed().size();
        cluster.mesh.exempt("n3"); // n1 drops n3's traffic between the withdrawal and n3's new announcement
        assertTrue(cluster.encryptionStore().withdraw("n3"));
        TestCluster.await(CONVERGE, "n1 to forget n3, and n3's agent to announce itself again", () -> {
            var removed = n1.kernel.removed();
            return removed.subList(removedBefore, removed.size()).stream().anyMatch(sa -> sa.source().equals(n3Underlay))
                    && cluster.converged(ALL);
        });
        assertEquals(List.of(), cluster.mesh.violations());
    }

    @Test
    void anAnnouncementWithoutAnAttestedSvidIsRefused() throws Exception {
        EncryptionStore attacker = cluster.encryptionStore();
        var rogue = TestCluster.local("n4", 4);
        ForgedSvid forged = ForgedSvid.selfSigned(TestCluster.TRUST_DOMAIN, "n4");
        NodeAnnouncement announcement = new NodeAnnouncement("n4", rogue.underlay(), rogue.podCidrs(),
                new EpochPublicKey(1, X25519.rawPublicKey(X25519.generateKeyPair().getPublic())), 1, List.of(), List.of());
        attacker.publish(SignedNodeAnnouncement.sign(announcement, List.of(forged.certificate()), forged.key().getPrivate()));
        // A forged announcement in a member's name must not disturb that member either.
        ForgedSvid fakeN2 = ForgedSvid.selfSigned(TestCluster.TRUST_DOMAIN, "n2");
        var n2 = cluster.node("n2").local();
        attacker.publish(SignedNodeAnnouncement.sign(new NodeAnnouncement("n2", n2.underlay(), n2.podCidrs(),
                new EpochPublicKey(Long.MAX_VALUE / 2, X25519.rawPublicKey(X25519.generateKeyPair().getPublic())), 1, List.of(), List.of()),
                List.of(fakeN2.certificate()), fakeN2.key().getPrivate()));

        TestCluster.await(CONVERGE, "every node to refuse n4", () -> ALL.stream()
                .allMatch(name -> cluster.node(name).agent.status().refusedPeers().containsKey("n4")));
        for (String name : ALL) {
            assertEquals(List.of(), cluster.node(name).kernel.entriesWith(rogue.underlay().getFirst()), name + " has nothing for n4");
            assertFalse(cluster.node(name).agent.status().peers().contains("n4"));
        }
        String reason = cluster.node("n1").agent.status().refusedPeers().get("n4");
        assertTrue(reason.contains("n4"), reason);
        assertTrue(cluster.converged(ALL), "the real n2 stays in the mesh");
        var realN2 = cluster.node("n2").identity.current().leaf();
        TestCluster.await(CONVERGE, "n2 to write its own announcement over the forgery", () -> attacker.announcement("n2")
                .filter(event -> event instanceof AnnouncementEvent.Published own && own.signed().leaf().equals(realN2)).isPresent());
        TestCluster.await(CONVERGE, "n1 to accept n2's announcement again", () -> !cluster.node("n1").agent.status().refusedPeers().containsKey("n2"));
        assertEquals(List.of(), cluster.mesh.violations());
    }

    private boolean allRotatedFrom(Map<String, Long> before) {
        Map<String, Long> now = epochs();
        return ALL.stream().allMatch(name -> now.get(name) > before.get(name));
    }

    private Map<String, Long> epochs() {
        Map<String, Long> epochs = new HashMap<>();
        for (String name : ALL) {
            epochs.put(name, cluster.node(name).agent.currentEpoch());
        }
        return epochs;
    }
}
