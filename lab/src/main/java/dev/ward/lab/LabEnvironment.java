package dev.ward.lab;

import dev.ward.agent.encryption.EspTunnelMtu;
import dev.ward.agent.encryption.IpFamily;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What the lab and the encryption benchmark both stand on: the wired network, an echo service in every pod,
 * and the cluster (etcd, keyd, one agent per node) with every node paired with every other; plus the kernel
 * and reachability views they check it through.
 */
public final class LabEnvironment implements AutoCloseable {
    private static final Duration CONVERGENCE_TIMEOUT = Duration.ofSeconds(120);
    /** The etcd client's INFO chatter; held here because the logging framework keeps loggers only weakly. */
    private static final List<java.util.logging.Logger> QUIET = List.of(java.util.logging.Logger.getLogger("io.grpc"),
            java.util.logging.Logger.getLogger("io.netty"));

    private final String prefix;
    private final Path workDir;
    private final LabNetwork network;
    private final List<LabNetwork.Node> nodes = new ArrayList<>();
    private final Map<LabNetwork.Pod, PodEcho> echoes = new LinkedHashMap<>();
    private WardJvm jvm;
    private LabCluster cluster;

    /** Starts with an empty {@code WORK_DIR/logs}, so the logs there are this run's. */
    public LabEnvironment(String prefix, Path workDir) throws IOException {
        QUIET.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
        this.prefix = prefix;
        this.workDir = workDir.toAbsolutePath();
        this.network = new LabNetwork(prefix, EspTunnelMtu.podMtu(LabNetwork.UNDERLAY_MTU, IpFamily.IPV4, false));
        deleteTree(this.workDir.resolve("logs"));
        Files.createDirectories(this.workDir.resolve("logs"));
    }

    /** Wires {@code count} nodes, starts the cluster, joins every node and waits until all pairs have SAs and answer. */
    public void start(ScenarioRun s, int count) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        jvm = new WardJvm(workDir.resolve("logs"), tmp);
        network.createUnderlay();
        for (int i = 1; i <= count; i++) {
            LabNetwork.Node n = network.node(i);
            wire(n);
            s.note("wired " + n + ", pods " + n.pods() + ", pod MTU " + network.podMtu());
        }
        s.note("underlay bridge " + network.bridge() + "; routes between pod CIDRs over the underlay; cluster CIDR " + LabNetwork.CLUSTER_CIDR);
        long t0 = System.nanoTime();
        cluster = LabCluster.start(jvm, tmp.resolve(prefix + "-cluster"));
        s.note("etcd at " + cluster.etcdEndpoint() + ", wardctl ca init, ward keyd started (" + millisSince(t0) + " ms)");
        long joined = System.nanoTime();
        for (LabNetwork.Node n : nodes) {
            cluster.join(n);
            s.note("wardctl node token create " + n.name() + "; ward agent --node " + n.name() + " --netns " + n.netns() + " started");
        }
        long converged = await(CONVERGENCE_TIMEOUT, () -> allPaired(nodes) || !agentsAlive());
        for (LabNetwork.Node n : nodes) s.note(KernelSas.of(n).describe(n.underlayIp()));
        for (LabNetwork.Node n : nodes) {
            if (!cluster.agentAlive(n)) s.note(n.name() + "'s agent exited; its log " + cluster.agentLog(n) + ": " + tail(cluster.agentLog(n)));
        }
        s.check(converged >= 0 && agentsAlive(), converged >= 0 && agentsAlive()
                ? "every node holds an SA each way with every other node, " + millisSince(joined) + " ms after the first token (JVM starts included)"
                : "nodes did not pair (waited " + millisSince(joined) / 1000 + " s)");
        long reachable = await(Duration.ofSeconds(30), () -> unreachablePairs(nodes).isEmpty());
        s.check(reachable >= 0, "pods on different nodes answer each other" + (reachable >= 0 ? "" : "; not: " + unreachablePairs(nodes)));
    }

    /** Wires node {@code n} with routes both ways to every node already wired, and starts its pods' echo services. */
    public void wire(LabNetwork.Node n) {
        network.wire(n);
        for (LabNetwork.Node other : nodes) {
            network.route(n, other);
            network.route(other, n);
        }
        nodes.add(n);
        n.pods().forEach(p -> echoes.put(p, PodEcho.start(p)));
    }

    public LabNetwork network() {
        return network;
    }

    /** The wired nodes, in order; the list the lab sees grows as nodes are wired. */
    public List<LabNetwork.Node> nodes() {
        return nodes;
    }

    public Map<LabNetwork.Pod, PodEcho> echoes() {
        return echoes;
    }

    public LabCluster cluster() {
        return cluster;
    }

    public WardJvm jvm() {
        return jvm;
    }

    public LabNetwork.Pod pod(int node, int pod) {
        return nodes.stream().filter(n -> n.index() == node).findFirst().orElseThrow().pod(pod);
    }

    public boolean agentsAlive() {
        return nodes.stream().allMatch(cluster::agentAlive);
    }

    public boolean allPaired(List<LabNetwork.Node> group) {
        for (LabNetwork.Node a : group) {
            KernelSas k = KernelSas.of(a);
            for (LabNetwork.Node b : group) if (a != b && !k.pairedWith(a.underlayIp(), b.underlayIp())) return false;
        }
        return true;
    }

    /** Pairs of first pods, node to node, whose echo probe got no answer. */
    public List<String> unreachablePairs(List<LabNetwork.Node> group) {
        List<String> silent = new ArrayList<>();
        for (LabNetwork.Node a : group) {
            for (LabNetwork.Node b : group) {
                if (a != b && PodEcho.probe(a.pod(1), b.pod(1), 1, 1000) == 0) silent.add(a.pod(1).name() + "->" + b.pod(1).name());
            }
        }
        return silent;
    }

    /** Per ordered node pair among {@code group}, the SPIs of the sender's outbound SAs. */
    public Map<String, Set<String>> outboundSpis(List<LabNetwork.Node> group) {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        for (LabNetwork.Node a : group) {
            KernelSas k = KernelSas.of(a);
            for (LabNetwork.Node b : group) if (a != b) m.put(a.name() + "->" + b.name(), k.outboundSpis(a.underlayIp(), b.underlayIp()));
        }
        return m;
    }

    /** Whether every pair in {@code before} now has an outbound SA whose SPI was not among those before. */
    public boolean everyPairHasNewOutbound(List<LabNetwork.Node> group, Map<String, Set<String>> before) {
        return outboundSpis(group).entrySet().stream()
                .allMatch(e -> e.getValue().stream().anyMatch(spi -> !before.getOrDefault(e.getKey(), Set.of()).contains(spi)));
    }

    /** A {@code wardctl keys rotate --all}: its outcome, when its request reached the store, and when it returned. */
    public record Rotation(WardJvm.Outcome outcome, long requestedAtNanos, long returnedNanos) {
        /** Seconds from the request reaching the store (the command's return if no store event was seen) to now. */
        public double secondsSinceRequest() {
            return (System.nanoTime() - (requestedAtNanos != 0 ? requestedAtNanos : returnedNanos)) / 1e9;
        }
    }

    /** Runs {@code wardctl keys rotate --all}, watching the store for the moment its request lands. */
    public Rotation rotateAll() throws IOException {
        java.util.concurrent.atomic.AtomicLong requested = new java.util.concurrent.atomic.AtomicLong();
        try (var watch = cluster.encryptionStore().watchRotationRequests(r -> requested.compareAndSet(0, System.nanoTime()))) {
            WardJvm.Outcome o = cluster.wardctl("keys", "rotate", "--all");
            long returned = System.nanoTime();
            return new Rotation(o, requested.get(), returned);
        }
    }

    /** Polls {@code condition} every 100 ms; returns the milliseconds it took, or -1 on timeout. */
    public static long await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime(), deadline = start + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) return millisSince(start);
            if (System.nanoTime() > deadline) return -1;
            Thread.sleep(100);
        }
    }

    public static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 6), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        echoes.values().forEach(PodEcho::close);
        if (cluster != null) cluster.close();
        network.close();
    }
}
