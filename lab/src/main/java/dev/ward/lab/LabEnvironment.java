package dev.ward.lab;

import dev.ward.agent.encryption.EspTunnelMtu;
import dev.ward.agent.encryption.IpFamily;
import dev.ward.store.Subscription;
import dev.ward.store.kv.EtcdKv;
import dev.ward.trust.kv.KvKeys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the lab and the encryption benchmark both stand on: the wired network, an echo service in every pod,
 * and the cluster (etcd, keyd, one agent per node) with every node paired with every other. As an
 * {@link EncryptedCluster} it is what the shared scenarios drive: traffic between the pods' namespaces, SAs read
 * from the nodes' kernels, wardctl run against the lab's etcd.
 */
public final class LabEnvironment implements EncryptedCluster<LabNetwork.Node, LabNetwork.Pod>, AutoCloseable {
    private static final Duration CONVERGENCE_TIMEOUT = Duration.ofSeconds(120);
    /** The etcd client's INFO chatter; held here because the logging framework keeps loggers only weakly. */
    private static final List<java.util.logging.Logger> QUIET = List.of(java.util.logging.Logger.getLogger("io.grpc"),
            java.util.logging.Logger.getLogger("io.netty"));

    private final String prefix;
    private final Path workDir;
    private final LabNetwork network;
    private final List<LabNetwork.Node> nodes = new ArrayList<>();
    private final Map<LabNetwork.Pod, PodEcho> echoes = new LinkedHashMap<>();
    private final List<LabNetwork.Pod> extraPods = new ArrayList<>();
    private WardJvm jvm;
    private LabCluster cluster;
    private CniPods pods;
    private LabPolicies policies;

    /** Starts with an empty {@code WORK_DIR/logs}, so the logs there are this run's. */
    public LabEnvironment(String prefix, Path workDir) throws IOException {
        QUIET.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
        this.prefix = prefix;
        this.workDir = workDir.toAbsolutePath();
        this.network = new LabNetwork(prefix, EspTunnelMtu.podMtu(LabNetwork.UNDERLAY_MTU, IpFamily.IPV4, false));
        deleteTree(this.workDir.resolve("logs"));
        Files.createDirectories(this.workDir.resolve("logs"));
    }

    /**
     * Wires {@code count} nodes, starts the cluster, joins every node, wires the pods through the CNI plugins once
     * their node's agent serves its API, and waits until all pairs have SAs and the pods answer.
     */
    public void start(ScenarioRun s, int count) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        jvm = new WardJvm(workDir.resolve("logs"), tmp);
        pods = new CniPods(workDir, CniPods.wardHome(), network.podMtu());
        network.createUnderlay();
        for (int i = 1; i <= count; i++) {
            LabNetwork.Node n = network.node(i);
            wireNode(n);
            s.note("wired " + n);
        }
        s.note("underlay bridge " + network.bridge() + "; routes between pod CIDRs over the underlay; cluster CIDR " + LabNetwork.CLUSTER_CIDR);
        long t0 = System.nanoTime();
        cluster = LabCluster.start(jvm, tmp.resolve(prefix + "-cluster"));
        s.note("etcd at " + cluster.etcdEndpoint() + ", wardctl ca init, ward keyd started (" + EncryptedCluster.millisSince(t0) + " ms)");
        long joined = System.nanoTime();
        cluster.join(nodes);
        s.note("wardctl node token create " + String.join(" ", nodes.stream().map(LabNetwork.Node::name).toList()) + " --output-dir ("
                + EncryptedCluster.millisSince(joined) + " ms)");
        for (LabNetwork.Node n : nodes) {
            s.note("ward agent --node " + n.name() + " --netns " + n.netns() + " --api-socket " + cluster.apiSocket(n) + " --datapath bpf started");
        }
        for (LabNetwork.Node n : nodes) {
            if (!s.check(cluster.awaitApi(n, CONVERGENCE_TIMEOUT), n.name() + "'s agent serves its API (datapath reconciled) "
                    + EncryptedCluster.millisSince(joined) + " ms after the agents were started")) {
                s.note(n.name() + "'s agent log " + cluster.agentLog(n) + ": " + tail(cluster.agentLog(n)));
                return;
            }
        }
        for (LabNetwork.Node n : nodes) {
            for (LabNetwork.Pod p : n.pods()) {
                CniPods.Wired w = pods.add(n, p, labels(p), cluster.apiSocket(n));
                s.note("CNI ADD " + p + " " + labels(p) + " on " + n.name() + " (loopback, ptp, ward): veth " + w.veth() + ", ready in " + w.millis() + " ms");
                echoes.put(p, PodEcho.start(p));
            }
        }
        ClusterUpScenario.check(s, this, CONVERGENCE_TIMEOUT, this::agentsAlive, joined);
        for (LabNetwork.Node n : nodes) {
            if (!cluster.agentAlive(n)) s.note(n.name() + "'s agent exited; its log " + cluster.agentLog(n) + ": " + tail(cluster.agentLog(n)));
        }
    }

    /**
     * The Star Wars labels of the lab's pods: every node's first pod a tiefighter (org=empire), its second an xwing
     * (org=alliance). No policy selects them until the policy scenarios write one.
     */
    public static Map<String, String> labels(LabNetwork.Pod p) {
        return p.name().endsWith("-p1") ? StarWars.TIEFIGHTER_LABELS : StarWars.XWING_LABELS;
    }

    /**
     * Wires node {@code n} with routes both ways to every node already wired, its pods by ptp alone (a node whose
     * agent is not running: the rogue node, the encryption benchmark's joiner), and starts their echo services.
     */
    public void wire(LabNetwork.Node n) throws Exception {
        wireWithPtpPods(n);
        nodes.add(n);
    }

    /** As {@link #wire}, but {@code n} stays out of {@link #nodes()}: a node that is not the cluster's (the rogue). */
    public void wireOutsider(LabNetwork.Node n) throws Exception {
        wireWithPtpPods(n);
    }

    private void wireWithPtpPods(LabNetwork.Node n) throws Exception {
        routed(n);
        for (LabNetwork.Pod p : n.pods()) {
            pods.add(n, p, labels(p), null);
            echoes.put(p, PodEcho.start(p));
        }
    }

    private void wireNode(LabNetwork.Node n) {
        routed(n);
        nodes.add(n);
    }

    private void routed(LabNetwork.Node n) {
        network.wire(n);
        for (LabNetwork.Node other : nodes) {
            network.route(n, other);
            network.route(other, n);
        }
    }

    /**
     * A pod created on a running node, as a runtime creates one: its namespace, then CNI ADD through ptp and Ward's
     * plugin, which returns once the node's agent enforces its policy. Removed when the lab closes.
     */
    public CniPods.Wired addPod(LabNetwork.Node n, LabNetwork.Pod p, Map<String, String> labels) throws Exception {
        extraPods.add(p);
        return pods.add(n, p, labels, cluster.apiSocket(n));
    }

    public LabNetwork network() {
        return network;
    }

    /** The wired nodes, in order; the list the lab sees grows as nodes are wired. */
    @Override
    public List<LabNetwork.Node> nodes() {
        return nodes;
    }

    public Map<LabNetwork.Pod, PodEcho> echoes() {
        return echoes;
    }

    public LabCluster cluster() {
        return cluster;
    }

    /** The policies in the lab's etcd, written as an operator's pipeline would write them. */
    public synchronized LabPolicies policies() {
        if (policies == null) policies = new LabPolicies(cluster.etcdEndpoint());
        return policies;
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

    @Override
    public KernelSas sas(LabNetwork.Node node) {
        return KernelSas.of(node);
    }

    @Override
    public int probe(LabNetwork.Pod from, LabNetwork.Pod to, int count, int waitMillis) {
        return PodEcho.probe(from, to, count, waitMillis);
    }

    @Override
    public LabTraffic.Transfer tcp(LabNetwork.Pod from, LabNetwork.Pod to, int port, long bytes, Duration timeout) {
        return LabTraffic.tcp(from, to, port, bytes, timeout);
    }

    @Override
    public PodStream stream(LabNetwork.Pod from, LabNetwork.Pod to, int port, Duration interval) {
        return new LabTraffic.NumberedStream(from, to, port, interval);
    }

    /** Runs {@code wardctl keys rotate --all}, watching the store for the moment its request lands. */
    @Override
    public StoreWrite rotateAll() throws IOException {
        AtomicLong requested = new AtomicLong();
        try (var watch = cluster.encryptionStore().watchRotationRequests(r -> requested.compareAndSet(0, System.nanoTime()))) {
            WardJvm.Outcome o = cluster.wardctl("keys", "rotate", "--all");
            return new StoreWrite(o, requested.get(), System.nanoTime());
        }
    }

    /** Runs {@code wardctl node revoke NODE}, watching etcd for the moment the node's record changes. */
    @Override
    public StoreWrite revoke(LabNetwork.Node node) throws IOException {
        AtomicLong revokedAt = new AtomicLong();
        try (EtcdKv kv = new EtcdKv(cluster.etcdEndpoint());
             Subscription watch = kv.watch(KvKeys.node(node.name()), e -> revokedAt.compareAndSet(0, System.nanoTime()))) {
            List<String> args = new ArrayList<>(List.of("node", "revoke", node.name()));
            args.addAll(List.of(cluster.caKey()));
            WardJvm.Outcome o = cluster.wardctl(args.toArray(String[]::new));
            return new StoreWrite(o, revokedAt.get(), System.nanoTime());
        }
    }

    static void deleteTree(Path dir) throws IOException {
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
        if (policies != null) policies.close();
        if (cluster != null) cluster.close();
        for (LabNetwork.Pod p : extraPods) {
            try {
                if (dev.ward.netlink.NetworkNamespace.exists(p.netns())) dev.ward.netlink.NetworkNamespace.delete(p.netns());
            } catch (RuntimeException ignored) {
                // best effort on the way out
            }
        }
        network.close();
    }
}
