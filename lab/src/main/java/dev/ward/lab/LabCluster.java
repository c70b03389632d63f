package dev.ward.lab;

import dev.ward.agent.dns.DnsProxySubsystem;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.EncryptionStores;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.bpf.load.BpfFilesystem;
import dev.ward.store.StoreLocation;
import dev.ward.testbed.EtcdProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ward's control plane in the lab, every part its own process: a real etcd, {@code ward keyd}, one
 * {@code ward agent} per node (in the lab's own namespace, programming xfrm in its node's namespace through
 * {@code --netns}), and {@code wardctl} for the operator's side: CA, join tokens, rotation, revocation.
 */
public final class LabCluster implements AutoCloseable {
    /** How long agents keep replaced SAs: short, so the lab sees old state go within its run. */
    static final String DRAIN = "5s";

    private final WardJvm jvm;
    private final Path dir;
    private final EtcdProcess etcd;
    private final String store;
    private final Path caKeyFile;
    private Process keyd;
    private EncryptionStore encryptionStore;
    private final Map<String, Process> agents = new HashMap<>();
    private final Map<String, Process> dnsProxies = new HashMap<>();

    private LabCluster(WardJvm jvm, Path dir, EtcdProcess etcd) {
        this.jvm = jvm;
        this.dir = dir;
        this.etcd = etcd;
        this.store = "etcd://127.0.0.1:" + etcd.clientPort();
        this.caKeyFile = dir.resolve("ca-keyring.pem");
    }

    /** Starts etcd (data under {@code dir}), creates the cluster CA with wardctl and starts keyd. */
    public static LabCluster start(WardJvm jvm, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path pins = BpfFilesystem.DEFAULT_MOUNT.resolve(dir.getFileName().toString());
        if (Files.exists(pins)) LabEnvironment.deleteTree(pins); // an earlier run's programs and maps, on veths long gone
        LabEnvironment.deleteTree(dir.resolve("api"));
        LabCluster c = new LabCluster(jvm, dir, EtcdProcess.start(dir.resolve("etcd"), true, "127.0.0.1"));
        try {
            c.wardctlOrFail("ca", "init", "--ca-key-file", c.caKeyFile.toString());
            c.keyd = jvm.start("keyd", WardJvm.WARD, List.of("keyd", "--store", c.store, "--ca-key-file", c.caKeyFile.toString(), "--replica", "lab"));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    public String store() {
        return store;
    }

    public String etcdEndpoint() {
        return etcd.endpoint();
    }

    /** The agents' encryption records (announcements, rotation requests, status), read as an operator would. */
    public synchronized EncryptionStore encryptionStore() {
        if (encryptionStore == null) encryptionStore = EncryptionStores.open(StoreLocation.parse(store), Clock.systemUTC());
        return encryptionStore;
    }

    /** Runs {@code wardctl args --store STORE}. */
    public WardJvm.Outcome wardctl(String... args) throws IOException {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--store";
        all[args.length + 1] = store;
        return jvm.wardctl(all);
    }

    /** The option identity commands that sign (CA init, revocation) need with an etcd store. */
    public String[] caKey() {
        return new String[] {"--ca-key-file", caKeyFile.toString()};
    }

    public WardJvm.Outcome wardctlOrFail(String... args) throws IOException {
        WardJvm.Outcome o = wardctl(args);
        if (!o.succeeded()) throw new IOException("wardctl " + String.join(" ", args) + " exited " + o.exitCode() + " (its errors: logs/wardctl.log): " + o.output().strip());
        return o;
    }

    /** Creates a join token for {@code node} with wardctl and starts its agent with it. */
    public void join(LabNetwork.Node node) throws IOException {
        join(List.of(node));
    }

    /**
     * Creates the nodes' join tokens with one wardctl call ({@code node token create N... --output-dir}, each in its
     * own 0600 file) and starts their agents: one JVM start for all the tokens, as an operator bootstrapping a cluster.
     */
    public void join(List<LabNetwork.Node> nodes) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("node", "token", "create"));
        nodes.forEach(n -> args.add(n.name()));
        args.addAll(List.of("--ttl", "1h", "--output-dir", dir.toString()));
        wardctlOrFail(args.toArray(String[]::new));
        for (LabNetwork.Node n : nodes) startAgent(n);
    }

    /**
     * Starts (or restarts) {@code node}'s agent; its state directory and its BPF pins survive restarts. It manages the
     * node's pods (the CNI plugin registers them on {@link #apiSocket}) and enforces their policy with the BPF datapath.
     */
    public void startAgent(LabNetwork.Node node) throws IOException {
        Path state = Files.createDirectories(stateDir(node));
        Files.createDirectories(apiSocket(node).getParent());
        agents.put(node.name(), jvm.start("agent-" + node.name(), WardJvm.WARD, List.of("agent",
                "--node", node.name(), "--store", store, "--ca-key-file", caKeyFile.toString(), "--state-dir", state.toString(),
                "--token-file", dir.resolve(node.name() + ".token").toString(),
                "--underlay-ip", node.underlayIp().getHostAddress(), "--pod-cidr", node.podCidr().toString(),
                "--cluster-cidr", LabNetwork.CLUSTER_CIDR.toString(), "--netns", node.netns(), "--drain", DRAIN,
                "--api-socket", apiSocket(node).toString(), "--datapath", "bpf", "--bpf-pin-root", pinRoot(node).toString(),
                "--dns-min-ttl", DNS_MIN_TTL, "--dns-proxy-standby-state-dir", dnsProxyState(node).toString())));
    }

    /** The shortest a learned DNS address stays allowed in the lab: short, so scenario 12 sees a TTL end. */
    static final String DNS_MIN_TTL = "2s";

    /** Where {@code node}'s agent keeps its state: SVID, keyring, endpoints, the DNS snapshot and FQDN journal. */
    public Path stateDir(LabNetwork.Node node) {
        return dir.resolve("state").resolve(node.name());
    }

    /** The standalone DNS proxy's state directory on {@code node} (its FQDN journal). */
    public Path dnsProxyState(LabNetwork.Node node) {
        return dir.resolve("state").resolve(node.name() + "-dnsproxy");
    }

    /**
     * Starts {@code node}'s standalone DNS proxy ({@code ward dnsproxy}) beside its agent, on the standby port, from the
     * agent's snapshot, writing what it learns into the node's pinned maps.
     */
    public void startDnsProxy(LabNetwork.Node node) throws IOException {
        Path state = stateDir(node);
        dnsProxies.put(node.name(), jvm.start("dnsproxy-" + node.name(), WardJvm.WARD, List.of("dnsproxy",
                "--netns", node.netns(), "--snapshot", state.resolve(DnsProxySubsystem.SNAPSHOT_FILE).toString(),
                "--agent-journal", state.resolve(DnsProxySubsystem.JOURNAL_FILE).toString(), "--state-dir", dnsProxyState(node).toString(),
                "--datapath", "bpf", "--bpf-pin-root", pinRoot(node).toString(), "--min-ttl", DNS_MIN_TTL)));
    }

    public boolean dnsProxyAlive(LabNetwork.Node node) {
        Process p = dnsProxies.get(node.name());
        return p != null && p.isAlive();
    }

    public Path dnsProxyLog(LabNetwork.Node node) {
        return jvm.log("dnsproxy-" + node.name());
    }

    /** Where {@code node}'s agent serves its local API (the CNI plugin, wardctl endpoint list and policy get). */
    public Path apiSocket(LabNetwork.Node node) {
        return dir.resolve("api").resolve(node.name() + ".sock");
    }

    /** Where {@code node}'s agent pins its BPF programs and maps: one root per node of this lab. */
    public Path pinRoot(LabNetwork.Node node) {
        return pinRoots().resolve(node.name());
    }

    private Path pinRoots() {
        return BpfFilesystem.DEFAULT_MOUNT.resolve(dir.getFileName().toString());
    }

    /**
     * Waits until {@code node}'s agent answers on its API socket (it serves once its datapath is reconciled); false if
     * it exited or did not answer within {@code timeout}.
     */
    public boolean awaitApi(LabNetwork.Node node, Duration timeout) throws InterruptedException {
        return EncryptedCluster.await(timeout, () -> answers(node) || !agentAlive(node)) >= 0 && agentAlive(node);
    }

    private boolean answers(LabNetwork.Node node) {
        try {
            return new AgentClient(apiSocket(node), Duration.ofSeconds(5)).call(new ApiRequest.ListEndpoints(), r -> { }) instanceof ApiResponse.Ok;
        } catch (Exception notYet) {
            return false;
        }
    }

    /** Asks {@code node}'s agent over its API socket, as wardctl does. */
    public ApiResponse ask(LabNetwork.Node node, ApiRequest request) throws Exception {
        return new AgentClient(apiSocket(node), Duration.ofSeconds(30)).call(request, r -> { });
    }

    /** SIGKILL to {@code node}'s agent, as a crash would: nothing of it gets to clean up. */
    public void killAgent(LabNetwork.Node node) throws InterruptedException {
        Process p = agents.remove(node.name());
        if (p == null) return;
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Whether {@code node}'s agent process is still running (it exits when it cannot start). */
    public boolean agentAlive(LabNetwork.Node node) {
        Process p = agents.get(node.name());
        return p != null && p.isAlive();
    }

    public Path agentLog(LabNetwork.Node node) {
        return jvm.log("agent-" + node.name());
    }

    public boolean keydAlive() {
        return keyd != null && keyd.isAlive();
    }

    @Override
    public void close() {
        if (encryptionStore != null) encryptionStore.close();
        for (Process p : dnsProxies.values()) stop(p);
        dnsProxies.clear();
        for (Process p : agents.values()) stop(p);
        agents.clear();
        if (keyd != null) stop(keyd);
        etcd.close();
        try {
            LabEnvironment.deleteTree(pinRoots()); // the agents are gone: their programs and maps would outlive the lab
        } catch (IOException e) {
            System.err.println("ward lab: could not remove the datapath's pins under " + pinRoots() + ": " + e);
        }
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }
}
