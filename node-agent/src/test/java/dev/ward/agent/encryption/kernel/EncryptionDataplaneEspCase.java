package dev.ward.agent.encryption.kernel;

import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.DataplaneDiff;
import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.EncryptionSettings;
import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.EspKey;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.RecoveredState;
import dev.ward.agent.encryption.PeerSa;
import dev.ward.agent.encryption.SessionAction;
import dev.ward.agent.encryption.SessionEvent;
import dev.ward.agent.encryption.Spi;
import dev.ward.testbed.IpCommand;
import dev.ward.xfrm.XfrmCounter;
import dev.ward.xfrm.XfrmErrorCounters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import static dev.ward.agent.encryption.kernel.UnderlayLab.drain;
import static dev.ward.agent.encryption.kernel.UnderlayLab.ip;
import static dev.ward.agent.encryption.kernel.UnderlayLab.send;
import static dev.ward.agent.encryption.kernel.UnderlayLab.socket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes, each routing a pod, on an underlay bridge with a third host that is not a member; both nodes'
 * dataplanes come from the encryption core and go into the kernel through {@link XfrmDataplaneKernel}. Needs
 * ESP: {@link EncryptionKernelTest} runs it on a kernel that has it. The tests build on each other in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class EncryptionDataplaneEspCase {
    private static final String UL = "k4-ul", N1 = "k4-n1", N2 = "k4-n2", P1 = "k4-p1", P2 = "k4-p2", X = "k4-x";
    private static final InetAddress U1 = ip("192.168.77.1"), U2 = ip("192.168.77.2");
    private static final InetAddress POD1 = ip("10.244.1.10"), POD2 = ip("10.244.2.10");
    private static final InetAddress OUTSIDER_POD = ip("10.244.9.1");
    private static final EncryptionSettings SETTINGS = new EncryptionSettings(EspCipher.AES_256_GCM,
            List.of(Cidr.parse("10.244.0.0/16")), Duration.ofSeconds(1));
    /** Node a's SAs ask for a rekey after this many packets, so a test can reach it. */
    private static final long SOFT_PACKETS = 60;

    private final BlockingQueue<SessionEvent> eventsOfA = new LinkedBlockingQueue<>();
    private final BlockingQueue<SessionEvent> eventsOfB = new LinkedBlockingQueue<>();
    private UnderlayLab lab;
    private MeshNode a, b;
    private int port = 7000;

    @BeforeAll
    void wireTwoNodesAndAnOutsider() throws Exception {
        lab = new UnderlayLab(UL);
        lab.host(N1, "192.168.77.1");
        lab.host(N2, "192.168.77.2");
        lab.host(X, "192.168.77.3");
        lab.pod(N1, P1, "10.244.1.10");
        lab.pod(N2, P2, "10.244.2.10");
        UnderlayLab.route(N1, "10.244.2.0/24", "192.168.77.2");
        UnderlayLab.route(N2, "10.244.1.0/24", "192.168.77.1");
        UnderlayLab.route(X, "10.244.0.0/16", "192.168.77.1");
        IpCommand.run("-n", X, "addr", "add", "10.244.9.1/32", "dev", "lo");
        IpCommand.run("-n", X, "addr", "add", "10.244.2.10/32", "dev", "lo");

        // Without Ward, routing alone delivers everything, the outsider's plaintext included: what the
        // dataplane must then stop is shown to get through here.
        assertEquals(List.of("pod 2", "outsider", "spoofed"), sendToPod1(List.of(
                new Sender(P2, POD2, "pod 2"), new Sender(X, OUTSIDER_POD, "outsider"), new Sender(X, POD2, "spoofed"))));

        a = new MeshNode("k4-a", N1, U1, Cidr.parse("10.244.1.0/24"), SETTINGS);
        b = new MeshNode("k4-b", N2, U2, Cidr.parse("10.244.2.0/24"), SETTINGS);
        // Node a offloads to its veth, which has no IPsec engine: the kernel keeps its SAs in software.
        a.kernel = XfrmDataplaneKernel.open(N1, "k4-n1u", eventsOfA::add, SaParameters.DEFAULT.withSoftPackets(SOFT_PACKETS));
        b.kernel = XfrmDataplaneKernel.open(N2, null, eventsOfB::add);
        List<SessionAction> firstOfB = b.start(RecoveredState.nothing());
        MeshNode.exchange(List.of(a, b), a, a.start(RecoveredState.nothing()));
        MeshNode.exchange(List.of(a, b), b, firstOfB);
        assertTrue(a.sessions.outboundTo("k4-b").isPresent() && b.sessions.outboundTo("k4-a").isPresent(),
                "both nodes send on an acknowledged SA");
    }

    @AfterAll
    void unwire() {
        for (MeshNode node : new MeshNode[] {a, b}) {
            if (node != null && node.kernel != null) node.kernel.close();
        }
        if (lab != null) lab.close();
    }

    private record Sender(String ns, InetAddress from, String payload) {
    }

    /** What pod 1 receives from each sender, in order, one datagram each. */
    private List<String> sendToPod1(List<Sender> senders) throws Exception {
        int to = port++;
        try (DatagramSocket receiver = socket(P1, POD1, to)) {
            List<String> got = new ArrayList<>();
            for (Sender s : senders) {
                try (DatagramSocket out = socket(s.ns(), s.from(), 0)) {
                    send(out, POD1, to, s.payload());
                }
                got.addAll(drain(receiver, Duration.ofSeconds(2)));
            }
            return got;
        }
    }

    @Test
    @Order(1)
    void podsTalkThroughEspAndTheUnderlaySeesOnlyEsp() throws Exception {
        // On the bridge port, the wire itself: on the node's own interface the kernel's decapsulated packets
        // would show up too, as they re-enter through it.
        UnderlayLab.Capture capture = new UnderlayLab.Capture(UL, N2 + "b");
        int to1 = port++, to2 = port++;
        List<String> at1, at2;
        try (DatagramSocket pod1 = socket(P1, POD1, to1); DatagramSocket pod2 = socket(P2, POD2, to2)) {
            for (int i = 0; i < 10; i++) {
                send(pod1, POD2, to2, "to 2 #" + i);
                send(pod2, POD1, to1, "to 1 #" + i);
            }
            at2 = drain(pod2, Duration.ofSeconds(2));
            at1 = drain(pod1, Duration.ofSeconds(1));
        }
        List<String> seen = capture.stop();
        assertEquals(IntStream.range(0, 10).mapToObj(i -> "to 2 #" + i).toList(), at2);
        assertEquals(IntStream.range(0, 10).mapToObj(i -> "to 1 #" + i).toList(), at1);
        long espOut = seen.stream().filter(l -> l.contains("192.168.77.1 > 192.168.77.2: ESP")).count();
        long espIn = seen.stream().filter(l -> l.contains("192.168.77.2 > 192.168.77.1: ESP")).count();
        assertTrue(espOut >= 10 && espIn >= 10, "ESP both ways on the underlay: " + seen);
        assertEquals(List.of(), seen.stream().filter(l -> l.contains("10.244.") || l.contains("UDP")).toList(),
                "no pod address and no plaintext UDP on the underlay");
    }

    @Test
    @Order(2)
    void plaintextFromOutsideTheMeshIsDroppedByTheKernel() throws Exception {
        XfrmErrorCounters before = a.kernel.errorCounters();
        assertEquals(List.of("pod 2"), sendToPod1(List.of(new Sender(X, OUTSIDER_POD, "outsider"),
                new Sender(X, POD2, "spoofed"), new Sender(P2, POD2, "pod 2"))));
        XfrmErrorCounters after = a.kernel.errorCounters();
        assertTrue(after.get(XfrmCounter.XfrmInPolBlock) > before.get(XfrmCounter.XfrmInPolBlock),
                "the block policy dropped the non-member's plaintext: " + after.increaseSince(before));
        assertTrue(after.get(XfrmCounter.XfrmInTmplMismatch) > before.get(XfrmCounter.XfrmInTmplMismatch),
                "ESP is required from the peer's pod CIDR: " + after.increaseSince(before));
    }

    @Test
    @Order(3)
    void offloadToADeviceWithoutAnIpsecEngineFallsBackToSoftware() {
        String problem = a.kernel.offloadProblem().orElseThrow();
        assertTrue(problem.contains("k4-n1u") && problem.contains("software"), problem);
        assertFalse(IpCommand.run("-n", N1, "xfrm", "state").contains("crypto offload"));
        assertEquals(Optional.empty(), b.kernel.offloadProblem(), "no offload asked, none missing");
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> XfrmDataplaneKernel.open(N1, "k4-nosuch", event -> { }));
        assertTrue(typo.getMessage().contains("k4-nosuch") && typo.getMessage().contains(N1), typo.getMessage());
    }

    @Test
    @Order(4)
    void softExpiryOfWardsSaIsReportedAndNothingElse() throws Exception {
        // Someone else's SA that soft-expires after a second: its notification is not Ward's business.
        IpCommand.run("-n", N1, "xfrm", "state", "add", "src", "192.168.77.3", "dst", "192.168.77.1", "proto", "esp",
                "spi", "0x999", "reqid", "7", "mode", "tunnel", "aead", "rfc4106(gcm(aes))",
                "0x0102030405060708090a0b0c0d0e0f1011121314", "128", "limit", "time-soft", "1", "limit", "time-hard", "600");
        PeerSa outbound = a.sessions.outboundTo("k4-b").orElseThrow();
        int to = port++;
        try (DatagramSocket pod1 = socket(P1, POD1, 0); DatagramSocket pod2 = socket(P2, POD2, to)) {
            for (int i = 0; i < SOFT_PACKETS + 5; i++) send(pod1, POD2, to, "n" + i);
            assertEquals(SOFT_PACKETS + 5, drain(pod2, Duration.ofSeconds(2)).size(), "a soft expire does not stop the SA");
        }
        SessionEvent.SoftExpired expected = new SessionEvent.SoftExpired(U2, outbound.spi());
        SessionEvent first = eventsOfA.poll(20, TimeUnit.SECONDS);
        Set<SessionEvent> all = new HashSet<>();
        if (first != null) all.add(first);
        TimeUnit.SECONDS.sleep(2);
        eventsOfA.drainTo(all);
        assertTrue(all.contains(expected), "expected " + expected + ", got " + all);
        Set<KernelSa.Slot> wards = new HashSet<>();
        a.sessions.dataplane().sas().forEach(sa -> wards.add(sa.installed().slot()));
        for (SessionEvent e : all) {
            SessionEvent.SoftExpired s = (SessionEvent.SoftExpired) e;
            assertTrue(wards.contains(new KernelSa.Slot(s.destination(), s.spi())), "not Ward's: " + e);
        }
        assertNull(eventsOfB.poll(), "node b's SAs have the default limits, far away");
        IpCommand.run("-n", N1, "xfrm", "state", "delete", "src", "192.168.77.3", "dst", "192.168.77.1", "proto", "esp", "spi", "0x999");
        eventsOfA.add(expected); // the next test rotates on it, as the agent would
    }

    @Test
    @Order(5)
    void theSoftExpireRotatesKeysWhileTrafficFlowsWithoutLoss() throws Exception {
        SessionEvent expire = eventsOfA.take();
        PeerSa before = a.sessions.outboundTo("k4-b").orElseThrow();
        long epochBefore = a.sessions.currentEpoch();
        int to = port++;
        AtomicBoolean sending = new AtomicBoolean(true);
        List<String> received;
        int sent;
        try (DatagramSocket pod1 = socket(P1, POD1, 0); DatagramSocket pod2 = socket(P2, POD2, to)) {
            int[] count = {0};
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    while (sending.get()) {
                        send(pod1, POD2, to, "seq " + count[0]++);
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<String> got = new ArrayList<>();
            Thread receiver = Thread.ofPlatform().start(() -> {
                try {
                    got.addAll(drain(pod2, Duration.ofSeconds(3)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            TimeUnit.MILLISECONDS.sleep(300);
            MeshNode.exchange(List.of(a, b), a, a.handle(expire));
            TimeUnit.MILLISECONDS.sleep(300);
            sending.set(false);
            sender.join();
            receiver.join();
            sent = count[0];
            received = got;
        }
        assertTrue(a.sessions.currentEpoch() > epochBefore, "the soft expire started a new epoch");
        PeerSa after = a.sessions.outboundTo("k4-b").orElseThrow();
        assertNotEquals(before.spi(), after.spi(), "a sends on the new SA");
        assertTrue(a.kernel.installedPolicies().stream().anyMatch(p -> p instanceof DataplanePolicy.Encrypt e && e.spi().equals(after.spi())),
                "the encrypt policy was replaced in place with the new SPI");
        assertTrue(sent > 20, "sent " + sent);
        assertEquals(IntStream.range(0, sent).mapToObj(i -> "seq " + i).toList(), received, "no packet lost or reordered");

        a.finishDrains();
        b.finishDrains();
        assertEquals(2, a.kernel.installedSas().size(), "retired SAs are gone after their drain");
        assertEquals(2, b.kernel.installedSas().size());
        assertEquals(List.of("pod 2"), sendToPod1(List.of(new Sender(P2, POD2, "pod 2"))));
    }

    @Test
    @Order(6)
    void aRestartedNodeFindsItsStateKeepsItRemovesStaleAndAddsMissing() throws Exception {
        a.kernel.close();
        a.kernel = XfrmDataplaneKernel.open(N1, null, eventsOfA::add);
        Set<KernelSa> wantedSas = new HashSet<>();
        a.sessions.dataplane().sas().forEach(sa -> wantedSas.add(sa.installed()));
        assertEquals(wantedSas, Set.copyOf(a.kernel.installedSas()));
        assertEquals(a.sessions.dataplane().policies(), Set.copyOf(a.kernel.installedPolicies()));

        // What a restarted agent rebuilds from its keyring, its last announcement, the peer's and the kernel.
        MeshNode restarted = new MeshNode("k4-a", N1, U1, Cidr.parse("10.244.1.0/24"), SETTINGS);
        restarted.kernel = a.kernel;
        var recovered = new RecoveredState(a.sessions.keyring(), a.published(), List.of(b.published().orElseThrow()),
                a.kernel.installedSas());
        restarted.sessions = dev.ward.agent.encryption.PeerSessions.restore(restarted.local, SETTINGS, MeshNode.COUNTING, recovered);
        assertTrue(DataplaneDiff.between(restarted.sessions.dataplane(), a.kernel.installedSas(), a.kernel.installedPolicies()).isEmpty(),
                "the restarted core wants exactly what the kernel holds");

        // Meanwhile: an SA of Ward's went missing, a stale one of Ward's appeared, and someone else added theirs.
        KernelSa inbound = wantedSas.stream().filter(sa -> sa.destination().equals(U1)).findFirst().orElseThrow();
        IpCommand.run("-n", N1, "xfrm", "state", "delete", "src", "192.168.77.2", "dst", "192.168.77.1", "proto", "esp",
                "spi", String.valueOf(inbound.spi().value()));
        String key = "0x" + "ab".repeat(36);
        IpCommand.run("-n", N1, "xfrm", "state", "add", "src", "192.168.77.9", "dst", "192.168.77.1", "proto", "esp",
                "spi", "0x4242", "reqid", String.valueOf(XfrmMapping.REQID), "mode", "tunnel", "aead", "rfc4106(gcm(aes))", key, "128");
        IpCommand.run("-n", N1, "xfrm", "state", "add", "src", "192.168.77.9", "dst", "192.168.77.1", "proto", "esp",
                "spi", "0x4343", "reqid", "7", "mode", "tunnel", "aead", "rfc4106(gcm(aes))", key, "128");
        IpCommand.run("-n", N1, "xfrm", "policy", "add", "src", "172.16.0.0/24", "dst", "172.17.0.0/24", "dir", "out", "action", "block");
        KernelSa stale = new KernelSa(new Spi(0x4242), ip("192.168.77.9"), U1,
                new EspKey(EspCipher.AES_256_GCM, java.util.HexFormat.of().parseHex("ab".repeat(36))));

        DataplaneDiff diff = DataplaneDiff.between(restarted.sessions.dataplane(), a.kernel.installedSas(), a.kernel.installedPolicies());
        assertEquals(List.of(stale), diff.removeSas());
        assertEquals(List.of(inbound), diff.addSas());
        assertEquals(List.of(), diff.addPolicies());
        assertEquals(List.of(), diff.removePolicies());
        a.kernel.apply(diff);
        a.sessions = restarted.sessions;
        assertTrue(DataplaneDiff.between(a.sessions.dataplane(), a.kernel.installedSas(), a.kernel.installedPolicies()).isEmpty());
        assertTrue(IpCommand.run("-n", N1, "xfrm", "state").contains("spi 0x00004343"), "someone else's SA stays");
        assertTrue(IpCommand.run("-n", N1, "xfrm", "policy").contains("172.17.0.0/24"), "someone else's policy stays");
        assertEquals(List.of("pod 2"), sendToPod1(List.of(new Sender(P2, POD2, "pod 2"))), "the re-added inbound SA carries traffic");
    }

    @Test
    @Order(7)
    void refusedEntriesAreNamedAndEverythingElseIsApplied() {
        String ns = "k4-refuse";
        dev.ward.netlink.NetworkNamespace.create(ns);
        try (XfrmDataplaneKernel kernel = XfrmDataplaneKernel.open(ns, null, event -> { })) {
            IpCommand.run("-n", ns, "xfrm", "state", "add", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp",
                    "spi", "0x1000", "reqid", "7", "mode", "tunnel", "aead", "rfc4106(gcm(aes))", "0x" + "01".repeat(20), "128");
            KernelSa taken = XfrmMappingTest.sa(EspCipher.AES_128_GCM, 0x1000);
            KernelSa free = XfrmMappingTest.sa(EspCipher.AES_128_GCM, 0x1001);
            List<DataplanePolicy> policies = XfrmMappingTest.everyKindOfPolicy();
            DataplaneDiff diff = new DataplaneDiff(List.of(), List.of(), List.of(taken, free), List.of(), List.of(), policies);
            DataplaneRefusedException e = assertThrows(DataplaneRefusedException.class, () -> kernel.apply(diff));
            assertEquals(1, e.refusals().size(), e.getMessage());
            assertTrue(e.refusals().getFirst().entry().contains("spi 0x00001000"), e.getMessage());
            assertTrue(e.refusals().getFirst().reason().contains("EEXIST"), e.getMessage());
            assertEquals(List.of(free), kernel.installedSas(), "the foreign SA in the slot is not Ward's and stays");
            assertEquals(Set.copyOf(policies), Set.copyOf(kernel.installedPolicies()));
        } finally {
            dev.ward.netlink.NetworkNamespace.delete(ns);
        }
    }
}
