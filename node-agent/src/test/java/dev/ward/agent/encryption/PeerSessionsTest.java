package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.SessionAction.AdmitPeer;
import dev.ward.agent.encryption.SessionAction.CutOffPeer;
import dev.ward.agent.encryption.SessionAction.InstallInboundSa;
import dev.ward.agent.encryption.SessionAction.PeerRefused;
import dev.ward.agent.encryption.SessionAction.PublishAnnouncement;
import dev.ward.agent.encryption.SessionAction.RemoveSa;
import dev.ward.agent.encryption.SessionAction.ScheduleDrain;
import dev.ward.agent.encryption.SessionAction.SwitchOutbound;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Step-by-step checks of each rule of {@link PeerSessions}, with announcements handed over by the test. */
class PeerSessionsTest {
    private final Map<String, Agent> agents = new HashMap<>();
    private Agent a;
    private Agent b;
    private Agent c;

    /** One node's sessions, what it published last, and the SAs it has been told to hold. */
    private static final class Agent {
        final LocalNode local;
        PeerSessions sessions;
        NodeAnnouncement lastPublished;
        final List<SessionAction> log = new ArrayList<>();

        Agent(int index) {
            local = new LocalNode("node-" + (char) ('a' + index),
                    List.of(IpLiterals.parse("192.0.2." + (index + 1))),
                    List.of(Cidr.parse("10.244." + index + ".0/24")));
        }

        List<SessionAction> apply(List<SessionAction> actions) {
            log.addAll(actions);
            for (SessionAction action : actions) {
                if (action instanceof PublishAnnouncement publish) {
                    lastPublished = publish.announcement();
                }
            }
            return actions;
        }

        List<SessionAction> handle(SessionEvent event) {
            return apply(sessions.handle(event));
        }
    }

    @BeforeEach
    void threeNodesThatKnowEachOther() {
        a = start(0);
        b = start(1);
        c = start(2);
        // Two full exchanges: everyone installs, acknowledges, switches and reports.
        for (int round = 0; round < 3; round++) {
            for (Agent from : List.of(a, b, c)) {
                for (Agent to : List.of(a, b, c)) {
                    if (from != to) {
                        deliver(from, to);
                    }
                }
            }
        }
        for (Agent agent : List.of(a, b, c)) {
            for (Agent peer : List.of(a, b, c)) {
                if (agent != peer) {
                    assertEquals(new PeerSaId(agent.local.name(), 1, peer.local.name(), 1),
                            agent.sessions.outboundTo(peer.local.name()).orElseThrow().id());
                }
            }
        }
    }

    @Test
    void aRotationInstallsInboundSasForEveryPeerBeforePublishingTheEpoch() {
        List<SessionAction> actions = a.handle(new SessionEvent.RotationRequested());

        assertEquals(2, a.sessions.currentEpoch());
        List<InstallInboundSa> installs = only(actions, InstallInboundSa.class);
        assertEquals(List.of(new PeerSaId("node-b", 1, "node-a", 2), new PeerSaId("node-c", 1, "node-a", 2)),
                installs.stream().map(i -> i.sa().id()).toList());
        int publishAt = indexOf(actions, PublishAnnouncement.class);
        assertTrue(actions.indexOf(installs.getLast()) < publishAt, "installs come before the publication: " + actions);
        NodeAnnouncement published = a.lastPublished;
        assertEquals(2, published.epoch());
        for (InstallInboundSa install : installs) {
            PeerSaId id = install.sa().id();
            assertTrue(published.acknowledgements().contains(
                    new Acknowledgement(id.sender(), id.senderEpoch(), 2, install.sa().spi())), published.toString());
        }
        assertTrue(only(actions, SwitchOutbound.class).isEmpty(), "nobody has acknowledged epoch 2 yet");
        assertEquals(new PeerSaId("node-a", 1, "node-b", 1), a.sessions.outboundTo("node-b").orElseThrow().id());
    }

    @Test
    void theSenderSwitchesOnlyToAnSaThePeerAcknowledged() {
        a.handle(new SessionEvent.RotationRequested());
        // B learns epoch 2: installs (a#2 -> b#1), acknowledges it, and moves its own sending onto a's new inbound SA.
        List<SessionAction> atB = deliver(a, b);
        PeerSa bInstalled = only(atB, InstallInboundSa.class).getFirst().sa();
        assertEquals(new PeerSaId("node-a", 2, "node-b", 1), bInstalled.id());
        SwitchOutbound bSwitch = only(atB, SwitchOutbound.class).getFirst();
        assertEquals(new PeerSaId("node-b", 1, "node-a", 2), bSwitch.sa().id());
        assertEquals(sa(a, "node-b", new PeerSaId("node-b", 1, "node-a", 2)), bSwitch.sa(), "same SPI and key as a installed");
        assertTrue(atB.indexOf(only(atB, InstallInboundSa.class).getFirst()) < indexOf(atB, PublishAnnouncement.class));

        // A moves only now, onto exactly the SA B installed.
        List<SessionAction> atA = deliver(b, a);
        SwitchOutbound aSwitch = only(atA, SwitchOutbound.class).getFirst();
        assertEquals(bInstalled, aSwitch.sa());
        assertEquals(List.of(new DataplanePolicy.Encrypt(Cidr.parse("10.244.0.0/24"), Cidr.parse("10.244.1.0/24"),
                new TunnelEndpoints(IpLiterals.parse("192.0.2.1"), IpLiterals.parse("192.0.2.2")), bInstalled.spi())), aSwitch.policies());
        // and retires its old outbound after the drain
        ScheduleDrain drain = only(atA, ScheduleDrain.class).stream()
                .filter(d -> d.sa().id().equals(new PeerSaId("node-a", 1, "node-b", 1))).findFirst().orElseThrow();
        assertEquals(MeshSimulation.DRAIN, drain.after());
    }

    @Test
    void aReceiverRetiresOnlyWhatTheSenderReportsItLeftAndRemovesItAfterTheDrain() {
        a.handle(new SessionEvent.RotationRequested());
        deliver(a, b);                    // b installs a#2->b#1, sends on b#1->a#2
        List<SessionAction> atA = deliver(b, a);   // a switches to a#2->b#1 and retires b#1->a#1 (b reported it left it)
        PeerSaId oldInbound = new PeerSaId("node-b", 1, "node-a", 1);
        assertTrue(only(atA, ScheduleDrain.class).stream().anyMatch(d -> d.sa().id().equals(oldInbound)));
        assertFalse(only(atA, RemoveSa.class).stream().anyMatch(r -> r.sa().id().equals(oldInbound)), "not before the drain");

        // b has not yet heard that a left a#1->b#1, so b keeps it
        PeerSaId bOld = new PeerSaId("node-a", 1, "node-b", 1);
        assertTrue(b.sessions.installedWith("node-a").stream().anyMatch(sa -> sa.id().equals(bOld)));
        List<SessionAction> atB = deliver(a, b);
        ScheduleDrain bDrain = only(atB, ScheduleDrain.class).stream().filter(d -> d.sa().id().equals(bOld)).findFirst().orElseThrow();
        List<SessionAction> removed = b.handle(new SessionEvent.DrainElapsed(bDrain.sa()));
        assertEquals(List.of(new RemoveSa(bDrain.sa())), removed);
        assertEquals(List.of(), b.handle(new SessionEvent.DrainElapsed(bDrain.sa())), "a second timer changes nothing");
    }

    @Test
    void aSoftExpiryOfACurrentSaRotatesAndOfAnOlderOneDoesNot() {
        PeerSa outbound = a.sessions.outboundTo("node-b").orElseThrow();
        List<SessionAction> actions = a.handle(new SessionEvent.SoftExpired(outbound.destination(), outbound.spi()));
        assertEquals(2, a.sessions.currentEpoch());
        assertEquals(1, only(actions, PublishAnnouncement.class).size());

        // The same (old-epoch) SA expiring again does not start another rotation.
        assertEquals(List.of(), a.handle(new SessionEvent.SoftExpired(outbound.destination(), outbound.spi())));
        assertEquals(2, a.sessions.currentEpoch());

        // An inbound SA of b's current epoch expiring at b rotates b.
        PeerSa inboundAtB = b.sessions.installedWith("node-c").stream()
                .filter(sa -> sa.id().receiver().equals("node-b")).findFirst().orElseThrow();
        b.handle(new SessionEvent.SoftExpired(inboundAtB.destination(), inboundAtB.spi()));
        assertEquals(2, b.sessions.currentEpoch());
        assertEquals(List.of(), c.handle(new SessionEvent.SoftExpired(IpLiterals.parse("192.0.2.9"), new Spi(4242))));
    }

    @Test
    void aRemovedPeerLosesEveryPolicyAndSaAtOnce() {
        a.handle(new SessionEvent.RotationRequested());
        deliver(a, b);
        deliver(b, a);
        List<PeerSa> withB = a.sessions.installedWith("node-b");
        assertTrue(withB.size() >= 3, "mid-rotation: old and new SAs " + withB);

        List<SessionAction> actions = a.handle(new SessionEvent.PeerRemoved("node-b", "SVID revoked"));
        CutOffPeer cut = only(actions, CutOffPeer.class).getFirst();
        assertEquals("SVID revoked", cut.why());
        assertTrue(cut.policies().contains(new DataplanePolicy.RequireEsp(TrafficDirection.FWD, Cidr.parse("10.244.1.0/24"),
                Cidr.parse("10.244.0.0/24"), IpLiterals.parse("192.0.2.2"), IpLiterals.parse("192.0.2.1"))));
        assertTrue(cut.policies().stream().anyMatch(p -> p instanceof DataplanePolicy.Encrypt));
        assertEquals(withB.size(), only(actions, RemoveSa.class).size());
        assertTrue(actions.indexOf(cut) < indexOf(actions, RemoveSa.class), "policies go first, so nothing falls back to a missing SA");
        assertTrue(a.lastPublished.acknowledgementsFor("node-b").isEmpty());
        assertTrue(a.lastPublished.sendingTo("node-b").isEmpty());
        assertTrue(a.sessions.installedWith("node-b").isEmpty());
        assertFalse(a.sessions.dataplane().policies().stream().anyMatch(p -> p.selector().source().equals(Cidr.parse("10.244.1.0/24"))
                || p.selector().destination().equals(Cidr.parse("10.244.1.0/24"))));
        assertEquals(List.of(), a.handle(new SessionEvent.PeerRemoved("node-b", "again")));
    }

    @Test
    void oldEpochKeysAreForgottenOnceNoSaNeedsThem() {
        a.handle(new SessionEvent.RotationRequested());
        assertEquals(List.of(1L, 2L), a.sessions.keyring().stream().map(EpochKeyPair::epoch).toList());
        for (int round = 0; round < 2; round++) {
            for (Agent peer : List.of(b, c)) {
                deliver(a, peer);
                deliver(peer, a);
            }
        }
        drainEverything(a);
        assertEquals(List.of(2L), a.sessions.keyring().stream().map(EpochKeyPair::epoch).toList());
    }

    @Test
    void staleDuplicateAndOwnAnnouncementsChangeNothing() {
        NodeAnnouncement old = b.lastPublished;
        b.handle(new SessionEvent.RotationRequested());
        deliver(b, a);
        assertEquals(List.of(), a.handle(new SessionEvent.PeerAnnounced(old)), "replay of an older epoch");
        assertEquals(List.of(), a.handle(new SessionEvent.PeerAnnounced(b.lastPublished)), "the same again");
        assertEquals(List.of(), a.handle(new SessionEvent.PeerAnnounced(a.lastPublished)), "its own");
    }

    @Test
    void peersThatClaimForeignPodCidrsOrShareNoUnderlayFamilyAreRefused() {
        assertRefused(announcement("node-x", "192.0.2.50", "10.244.0.128/25"), "overlaps node-a's own 10.244.0.0/24");
        assertRefused(announcement("node-x", "192.0.2.50", "10.244.1.0/24"), "overlaps 10.244.1.0/24 of node-b");
        assertRefused(announcement("node-x", "192.0.2.50", "10.99.0.0/24"), "outside the cluster pod CIDRs");
        assertRefused(announcement("node-x", "2001:db8::50", "10.244.9.0/24"), "no underlay address family in common");
        assertRefused(announcement("node-x", "192.0.2.50", "10.0.0.0/8"), "outside the cluster pod CIDRs");
    }

    @Test
    void aPeerWhoseAddressesChangeIsStartedOver() {
        NodeAnnouncement moved = new NodeAnnouncement("node-b", List.of(IpLiterals.parse("192.0.2.200")),
                b.lastPublished.podCidrs(), b.lastPublished.key(), b.lastPublished.revision() + 1,
                b.lastPublished.acknowledgements(), b.lastPublished.sending());
        List<SessionAction> actions = a.handle(new SessionEvent.PeerAnnounced(moved));
        assertTrue(indexOf(actions, CutOffPeer.class) < indexOf(actions, AdmitPeer.class), actions.toString());
        InstallInboundSa install = only(actions, InstallInboundSa.class).getFirst();
        assertEquals(IpLiterals.parse("192.0.2.200"), install.sa().source());
    }

    @Test
    void aRestartedAgentTakesBackWhatPeersMayUseAndChangesNothingInUse() {
        a.handle(new SessionEvent.RotationRequested());
        deliver(a, b);
        deliver(b, a);   // mid-rotation: a holds old and new SAs with b, some of them draining
        Dataplane before = a.sessions.dataplane();
        List<KernelSa> kernel = before.sas().stream().map(PeerSa::installed).toList();
        PeerSa retiredOutbound = sa(a, "node-b", new PeerSaId("node-a", 1, "node-b", 1));
        PeerSa drainingInbound = sa(a, "node-b", new PeerSaId("node-b", 1, "node-a", 1));

        PeerSessions restarted = PeerSessions.restore(a.local, MeshSimulation.SETTINGS, MeshSimulation.COUNTING,
                new RecoveredState(a.sessions.keyring(), Optional.of(a.lastPublished),
                        List.of(b.lastPublished, c.lastPublished), kernel));

        DataplaneDiff diff = DataplaneDiff.between(restarted.dataplane(), kernel, List.copyOf(before.policies()));
        assertEquals(List.of(retiredOutbound.installed()), diff.removeSas(), "only the outbound SA no policy uses any more");
        assertTrue(diff.addSas().isEmpty() && diff.addPolicies().isEmpty() && diff.removePolicies().isEmpty(), diff.toString());
        List<SessionAction> resumed = restarted.resume();
        assertTrue(only(resumed, InstallInboundSa.class).isEmpty() && only(resumed, SwitchOutbound.class).isEmpty(), resumed.toString());
        assertEquals(List.of(drainingInbound), only(resumed, ScheduleDrain.class).stream().map(ScheduleDrain::sa).toList(),
                "the interrupted drain runs again");
        assertEquals(2, restarted.currentEpoch());
    }

    @Test
    void aRestartTakesKeysFromTheKernelWhereAPeersOldPublicKeyIsGone() {
        Dataplane before = a.sessions.dataplane();
        List<KernelSa> kernel = before.sas().stream().map(PeerSa::installed).toList();
        NodeAnnouncement ownBefore = a.lastPublished;
        b.handle(new SessionEvent.RotationRequested());   // b moved to epoch 2; a was down and missed it

        PeerSessions restarted = PeerSessions.restore(a.local, MeshSimulation.SETTINGS, MeshSimulation.COUNTING,
                new RecoveredState(a.sessions.keyring(), Optional.of(ownBefore), List.of(b.lastPublished, c.lastPublished), kernel));
        PeerSa oldFromB = sa(a, "node-b", new PeerSaId("node-b", 1, "node-a", 1));
        assertTrue(restarted.installedWith("node-b").contains(oldFromB), "b#1->a#1 restored with the kernel's key");
        assertTrue(DataplaneDiff.between(restarted.dataplane(), kernel, List.copyOf(before.policies())).isEmpty());
        List<InstallInboundSa> installs = only(restarted.resume(), InstallInboundSa.class);
        assertEquals(new PeerSaId("node-b", 2, "node-a", 1), installs.getFirst().sa().id(), "then catches up with b's epoch 2");
    }

    @Test
    void aRestartWithoutItsKeyringStartsANewEpochAndRemovesStaleSas() {
        List<KernelSa> kernel = a.sessions.dataplane().sas().stream().map(PeerSa::installed).toList();
        PeerSessions restarted = PeerSessions.restore(a.local, MeshSimulation.SETTINGS, MeshSimulation.COUNTING,
                new RecoveredState(List.of(), Optional.of(a.lastPublished), List.of(b.lastPublished, c.lastPublished), kernel));
        assertEquals(2, restarted.currentEpoch(), "above its last announced epoch, so peers do not take it for a replay");
        DataplaneDiff diff = DataplaneDiff.between(restarted.dataplane(), kernel, List.of());
        assertEquals(kernel.size(), diff.removeSas().size(), "SAs whose keys are lost are stale");
        List<SessionAction> resumed = restarted.resume();
        assertEquals(2, only(resumed, InstallInboundSa.class).size());
        NodeAnnouncement announced = only(resumed, PublishAnnouncement.class).getFirst().announcement();
        assertEquals(2, announced.epoch());
        assertEquals(1, announced.revision());
    }

    @Test
    void aFirstStartFromNothingAnnouncesAndAddsTheNodePolicies() {
        Agent fresh = new Agent(5);
        PeerSessions sessions = PeerSessions.restore(fresh.local, MeshSimulation.SETTINGS, MeshSimulation.COUNTING, RecoveredState.nothing());
        DataplaneDiff diff = DataplaneDiff.between(sessions.dataplane(), List.of(), List.of());
        assertEquals(new EncryptionPolicies(fresh.local, MeshSimulation.SETTINGS).node().size(), diff.addPolicies().size());
        NodeAnnouncement first = only(sessions.resume(), PublishAnnouncement.class).getFirst().announcement();
        assertEquals(1, first.epoch());
        assertTrue(first.acknowledgements().isEmpty());
    }

    private Agent start(int index) {
        Agent agent = new Agent(index);
        agent.sessions = PeerSessions.restore(agent.local, MeshSimulation.SETTINGS, MeshSimulation.COUNTING, RecoveredState.nothing());
        agent.apply(agent.sessions.resume());
        agents.put(agent.local.name(), agent);
        return agent;
    }

    private static List<SessionAction> deliver(Agent from, Agent to) {
        return to.handle(new SessionEvent.PeerAnnounced(from.lastPublished));
    }

    private void drainEverything(Agent agent) {
        for (SessionAction action : List.copyOf(agent.log)) {
            if (action instanceof ScheduleDrain drain) {
                agent.handle(new SessionEvent.DrainElapsed(drain.sa()));
            }
        }
    }

    private static PeerSa sa(Agent agent, String peer, PeerSaId id) {
        return agent.sessions.installedWith(peer).stream().filter(sa -> sa.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError(agent.local.name() + " has no " + id));
    }

    private void assertRefused(NodeAnnouncement announcement, String reason) {
        List<SessionAction> actions = a.handle(new SessionEvent.PeerAnnounced(announcement));
        assertEquals(1, actions.size(), actions.toString());
        PeerRefused refused = (PeerRefused) actions.getFirst();
        assertTrue(refused.reason().contains(reason), refused.reason());
        assertFalse(a.sessions.peers().contains(announcement.node()));
    }

    private static NodeAnnouncement announcement(String node, String underlay, String podCidr) {
        return new NodeAnnouncement(node, List.of(IpLiterals.parse(underlay)), List.of(Cidr.parse(podCidr)),
                EpochKeyPair.generate(1).publicKey(), 1, List.of(), List.of());
    }

    private static <T extends SessionAction> List<T> only(List<SessionAction> actions, Class<T> type) {
        return actions.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static int indexOf(List<SessionAction> actions, Class<? extends SessionAction> type) {
        for (int i = 0; i < actions.size(); i++) {
            if (type.isInstance(actions.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + actions);
    }
}
