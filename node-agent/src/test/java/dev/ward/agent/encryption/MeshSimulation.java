package dev.ward.agent.encryption;

import dev.ward.agent.encryption.SessionAction.AdmitPeer;
import dev.ward.agent.encryption.SessionAction.CutOffPeer;
import dev.ward.agent.encryption.SessionAction.InstallInboundSa;
import dev.ward.agent.encryption.SessionAction.PeerRefused;
import dev.ward.agent.encryption.SessionAction.PublishAnnouncement;
import dev.ward.agent.encryption.SessionAction.RemoveSa;
import dev.ward.agent.encryption.SessionAction.ScheduleDrain;
import dev.ward.agent.encryption.SessionAction.SwitchOutbound;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A deterministic, seeded simulation of N nodes running {@link PeerSessions} against a simulated store and
 * simulated kernels. The store delivers every publication to every other node after a random delay (so
 * announcements arrive late, reordered, coalesced or twice); the kernels hold SAs and policies, and packets
 * find their SA the way xfrm does (policy by selector, then SA by destination and SPI). Time is in
 * milliseconds.
 *
 * <p>After every event it checks the protocol's invariant: every outbound SA a policy points at exists at the
 * sender and is installed, with the same key, at the receiver, which also requires ESP from the sender.
 */
final class MeshSimulation {
    static final Duration DRAIN = Duration.ofMillis(50);
    static final List<Cidr> CLUSTER = List.of(Cidr.parse("10.244.0.0/16"), Cidr.parse("fd00:10:244::/48"));
    static final EncryptionSettings SETTINGS = new EncryptionSettings(EspCipher.AES_128_GCM, CLUSTER, DRAIN);
    /** Counting epochs keep the simulation deterministic; production uses {@link EpochKeySource#clockBased}. */
    static final EpochKeySource COUNTING = previous -> EpochKeyPair.generate(previous + 1);

    final Random random;
    final int maxStoreDelay;
    final int maxPacketDelay;
    final int packetInterval;
    long now;
    private long sequence;
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    final Map<String, Node> nodes = new TreeMap<>();
    final Map<String, NodeAnnouncement> store = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    final List<String> losses = new ArrayList<>();
    final List<String> refusals = new ArrayList<>();
    long delivered;
    long packetsReceived;
    long publications;
    boolean trafficOn = true;
    /** Receivers whose inbound failures are expected (their kernel was wiped by a reboot) until this time. */
    final Map<String, Long> excusedReceivers = new HashMap<>();

    private record Scheduled(long at, long order, Runnable task) implements Comparable<Scheduled> {
        public int compareTo(Scheduled other) {
            return at != other.at ? Long.compare(at, other.at) : Long.compare(order, other.order);
        }
    }

    /** One node: its agent (which can be down) and its kernel (which keeps running while the agent is down). */
    final class Node {
        final String name;
        final LocalNode local;
        PeerSessions sessions;
        AnnouncementFreshness freshness = new AnnouncementFreshness();
        final Map<KernelSa.Slot, PeerSa> sas = new HashMap<>();
        final Map<PolicySelector, DataplanePolicy> policies = new HashMap<>();
        List<EpochKeyPair> persistedKeyring = List.of();
        boolean agentUp;
        boolean podsUp = true;
        int agentRun;

        Node(int index) {
            this.name = "node-" + index;
            this.local = new LocalNode(name,
                    List.of(IpLiterals.parse("192.0.2." + (index + 1)), IpLiterals.parse("2001:db8::" + Integer.toHexString(index + 1))),
                    List.of(Cidr.parse("10.244." + index + ".0/24"), Cidr.parse("fd00:10:244:" + Integer.toHexString(index) + "::/64")));
        }

        void execute(List<SessionAction> actions) {
            for (SessionAction action : actions) {
                switch (action) {
                    case AdmitPeer admit -> admit.policies().forEach(p -> policies.put(p.selector(), p));
                    case InstallInboundSa install -> installSa(install.sa());
                    case SwitchOutbound change -> {
                        installSa(change.sa());
                        change.policies().forEach(p -> policies.put(p.selector(), p));
                    }
                    case ScheduleDrain drain -> {
                        int run = agentRun;
                        schedule(drain.after().toMillis(), () -> {
                            if (agentUp && agentRun == run) {
                                execute(sessions.handle(new SessionEvent.DrainElapsed(drain.sa())));
                            }
                        });
                    }
                    case RemoveSa remove -> removeSa(remove.sa().installed());
                    case CutOffPeer cut -> cut.policies().forEach(p -> policies.remove(p.selector()));
                    case PublishAnnouncement publish -> publish(this, publish.announcement());
                    case PeerRefused refused -> refusals.add(name + " refused " + refused.peer() + ": " + refused.reason());
                }
            }
            checkInvariant();
        }

        void installSa(PeerSa sa) {
            PeerSa present = sas.get(sa.installed().slot());
            if (present != null && !present.installed().equals(sa.installed())) {
                violations.add(now + " " + name + ": SPI collision at " + sa.installed().slot() + " between " + present + " and " + sa);
            }
            sas.put(sa.installed().slot(), sa);
        }

        void removeSa(KernelSa sa) {
            for (DataplanePolicy policy : policies.values()) {
                if (policy instanceof DataplanePolicy.Encrypt encrypt && encrypt.spi().equals(sa.spi())
                        && encrypt.tunnel().remote().equals(sa.destination())) {
                    violations.add(now + " " + name + ": removed " + sa.slot() + " while an encrypt policy uses it");
                }
            }
            PeerSa present = sas.get(sa.slot());
            if (present != null && present.installed().equals(sa)) {
                sas.remove(sa.slot());
            }
        }

        /** A stale SA in a slot that is about to get its replacement: no policy may rely on the stale one. */
        void removeSaQuietly(KernelSa sa) {
            sas.remove(sa.slot());
        }

        List<KernelSa> kernelSas() {
            return sas.values().stream().map(PeerSa::installed).toList();
        }

        void persist() {
            persistedKeyring = sessions.keyring();
        }

        void handle(SessionEvent event) {
            if (agentUp) {
                execute(sessions.handle(event));
                persist();
            }
        }
    }

    MeshSimulation(long seed, int nodeCount, int maxStoreDelay, int maxPacketDelay, int packetInterval) {
        this.random = new Random(seed);
        this.maxStoreDelay = maxStoreDelay;
        this.maxPacketDelay = maxPacketDelay;
        this.packetInterval = packetInterval;
        for (int i = 0; i < nodeCount; i++) {
            Node node = new Node(i);
            nodes.put(node.name, node);
        }
    }

    /** Starts every agent from nothing, in random order, and starts traffic between every pair of pods. */
    void start() {
        List<Node> order = new ArrayList<>(nodes.values());
        java.util.Collections.shuffle(order, random);
        for (Node node : order) {
            schedule(random.nextInt(20), () -> startAgent(node, Optional.empty()));
        }
        for (Node from : nodes.values()) {
            for (Node to : nodes.values()) {
                if (from != to) {
                    schedule(random.nextInt(packetInterval), () -> sendPacket(from, to));
                }
            }
        }
    }

    /** Starts (or restarts) an agent the way the integration will: restore, apply the diff, resume. */
    void startAgent(Node node, Optional<List<EpochKeyPair>> keyring) {
        node.agentRun++;
        node.agentUp = true;
        node.freshness = new AnnouncementFreshness();
        List<NodeAnnouncement> peers = new ArrayList<>();
        for (NodeAnnouncement announcement : store.values()) {
            if (!announcement.node().equals(node.name)) {
                try {
                    node.freshness.check(announcement);
                    peers.add(announcement);
                } catch (AnnouncementRejectedException e) {
                    throw new AssertionError(e);
                }
            }
        }
        RecoveredState recovered = new RecoveredState(keyring.orElse(List.of()), Optional.ofNullable(store.get(node.name)),
                peers, node.kernelSas());
        node.sessions = PeerSessions.restore(node.local, SETTINGS, COUNTING, recovered);
        node.persist();
        DataplaneDiff diff = DataplaneDiff.between(node.sessions.dataplane(), node.kernelSas(), List.copyOf(node.policies.values()));
        Map<KernelSa.Slot, PeerSa> wanted = new HashMap<>();
        node.sessions.dataplane().sas().forEach(sa -> wanted.put(sa.installed().slot(), sa));
        diff.slotConflicts().forEach(node::removeSaQuietly);
        diff.addSas().forEach(sa -> node.installSa(wanted.get(sa.slot())));
        diff.addPolicies().forEach(p -> node.policies.put(p.selector(), p));
        diff.removePolicies().forEach(p -> node.policies.remove(p.selector()));
        diff.removeSas().forEach(node::removeSa);
        checkInvariant();
        node.execute(node.sessions.resume());
        node.persist();
    }

    void publish(Node node, NodeAnnouncement announcement) {
        publications++;
        store.put(node.name, announcement);
        for (Node other : nodes.values()) {
            if (other == node) {
                continue;
            }
            boolean snapshot = random.nextBoolean();
            int delay = random.nextInt(maxStoreDelay + 1);
            if (random.nextInt(20) == 0) {
                // A watcher that is fast enough to react before the publisher finished its batch of actions.
                deliver(other, announcement);
            } else {
                schedule(delay, () -> deliver(other, snapshot ? announcement : store.get(node.name)));
            }
            if (random.nextInt(10) == 0) {
                // A watch re-delivery or a replay of this (soon old) announcement, much later.
                schedule(random.nextInt(3 * maxStoreDelay + 1), () -> deliver(other, announcement));
            }
        }
    }

    void deliver(Node to, NodeAnnouncement announcement) {
        if (!to.agentUp || announcement == null) {
            return;
        }
        try {
            if (to.freshness.check(announcement) == AnnouncementFreshness.Outcome.SAME) {
                return;
            }
        } catch (AnnouncementRejectedException stale) {
            return;
        }
        delivered++;
        to.handle(new SessionEvent.PeerAnnounced(announcement));
    }

    void sendPacket(Node from, Node to) {
        if (!trafficOn) {
            return;
        }
        schedule(packetInterval, () -> sendPacket(from, to));
        if (!from.podsUp || !to.podsUp) {
            return;
        }
        Cidr source = from.local.podCidrs().get(0);
        Cidr destination = to.local.podCidrs().get(0);
        DataplanePolicy policy = from.policies.get(new PolicySelector(TrafficDirection.OUT, source, destination));
        if (!(policy instanceof DataplanePolicy.Encrypt encrypt)) {
            return; // not connected yet: the block policy drops it at the sender, nothing is sent in plaintext
        }
        PeerSa sa = from.sas.get(new KernelSa.Slot(encrypt.tunnel().remote(), encrypt.spi()));
        long sentAt = now;
        if (sa == null) {
            losses.add(now + " " + from.name + "->" + to.name + ": encrypt policy points at missing SA " + encrypt.spi());
            return;
        }
        schedule(random.nextInt(maxPacketDelay + 1), () -> receivePacket(from, to, sa, sentAt));
    }

    private void receivePacket(Node from, Node to, PeerSa sa, long sentAt) {
        if (!to.podsUp || excused(to)) {
            return;
        }
        PeerSa inbound = to.sas.get(sa.installed().slot());
        DataplanePolicy require = to.policies.get(new PolicySelector(TrafficDirection.FWD,
                from.local.podCidrs().get(0), to.local.podCidrs().get(0)));
        if (inbound == null || !inbound.installed().equals(sa.installed())) {
            losses.add(now + " " + from.name + "->" + to.name + " sent at " + sentAt + " on " + sa + ": no such inbound SA");
        } else if (!(require instanceof DataplanePolicy.RequireEsp esp) || !esp.tunnelSource().equals(sa.source())) {
            losses.add(now + " " + from.name + "->" + to.name + ": no ESP input policy for the sender (" + require + ")");
        } else {
            packetsReceived++;
        }
    }

    private boolean excused(Node receiver) {
        Long until = excusedReceivers.get(receiver.name);
        return until != null && now <= until;
    }

    void schedule(long delay, Runnable task) {
        queue.add(new Scheduled(now + delay, sequence++, task));
    }

    /** Runs events until the queue is empty or the clock passes {@code until}. */
    void runUntil(long until) {
        while (!queue.isEmpty() && queue.peek().at <= until) {
            Scheduled next = queue.poll();
            now = next.at;
            next.task.run();
        }
        now = Math.max(now, until);
    }

    /** Stops traffic and runs every remaining event: deliveries and drains. */
    void settle() {
        trafficOn = false;
        runUntil(Long.MAX_VALUE - 1);
    }

    Node node(String name) {
        return nodes.get(name);
    }

    Node randomNode() {
        List<Node> all = new ArrayList<>(nodes.values());
        return all.get(random.nextInt(all.size()));
    }

    void checkInvariant() {
        for (Node sender : nodes.values()) {
            for (DataplanePolicy policy : sender.policies.values()) {
                if (policy instanceof DataplanePolicy.Encrypt encrypt) {
                    checkOutbound(sender, encrypt);
                }
            }
        }
    }

    private void checkOutbound(Node sender, DataplanePolicy.Encrypt encrypt) {
        Node receiver = owner(encrypt.tunnel().remote());
        if (receiver == null || excused(receiver)) {
            return;
        }
        KernelSa.Slot slot = new KernelSa.Slot(encrypt.tunnel().remote(), encrypt.spi());
        PeerSa out = sender.sas.get(slot);
        PeerSa in = receiver.sas.get(slot);
        if (out == null) {
            violations.add(now + " " + sender.name + ": encrypt policy to " + receiver.name + " uses SPI " + encrypt.spi() + " with no SA");
        } else if (in == null || !in.installed().equals(out.installed())) {
            violations.add(now + " " + sender.name + " sends on " + out + " but " + receiver.name + " has " + in);
        } else if (!(receiver.policies.get(new PolicySelector(TrafficDirection.FWD, encrypt.source(), encrypt.destination()))
                instanceof DataplanePolicy.RequireEsp)) {
            violations.add(now + " " + receiver.name + " does not require ESP from " + sender.name);
        }
    }

    private Node owner(InetAddress underlay) {
        return nodes.values().stream().filter(node -> node.local.ownsUnderlay(underlay)).findFirst().orElse(null);
    }

    /** Every pair sends on the SA of both nodes' current epochs, and no other SA is left in any kernel. */
    List<String> convergenceProblems(Predicate<Node> included) {
        List<String> problems = new ArrayList<>();
        List<Node> members = nodes.values().stream().filter(included).toList();
        for (Node node : members) {
            int expected = 0;
            for (Node peer : members) {
                if (peer == node) {
                    continue;
                }
                expected += 2;
                PeerSaId wanted = new PeerSaId(node.name, node.sessions.currentEpoch(), peer.name, peer.sessions.currentEpoch());
                Optional<PeerSa> out = node.sessions.outboundTo(peer.name);
                if (out.isEmpty() || !out.get().id().equals(wanted)) {
                    problems.add(node.name + " sends to " + peer.name + " on " + out + ", expected " + wanted);
                }
            }
            if (node.sas.size() != expected) {
                problems.add(node.name + " holds " + node.sas.size() + " SAs, expected " + expected + ": " + node.sas.values());
            }
            if (node.sessions.keyring().size() != 1) {
                problems.add(node.name + " still holds epoch keys " + node.sessions.keyring());
            }
        }
        return problems;
    }

    Set<String> names() {
        return nodes.keySet();
    }
}
