package dev.ward.agent.encryption.agent;

import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import dev.ward.agent.identity.KeydChannel;
import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.EncryptionSettings;
import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.IpLiterals;
import dev.ward.agent.encryption.LocalNode;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.EncryptionStores;
import dev.ward.keyd.KeydSettings;
import dev.ward.keyd.TrustPublication;
import dev.ward.keyd.TrustPublisher;
import dev.ward.keyd.admin.CaAdmin;
import dev.ward.keyd.admin.NodeAdmin;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.NodeIdentityAgent;
import dev.ward.agent.identity.StateDirectory;
import dev.ward.keyd.daemon.KeyDaemon;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.StoreLocation;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.SvidIssuer;
import dev.ward.pki.TrustDomains;
import dev.ward.testbed.EtcdProcess;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A cluster in one JVM on a real etcd: a CA, keyd issuing real SVIDs to nodes that join with tokens, and per node
 * an identity agent, an encryption agent and an in-memory kernel that survives agent restarts.
 */
final class TestCluster implements AutoCloseable {
    static final String TRUST_DOMAIN = "cluster.test";
    static final Cidr CLUSTER_CIDR = Cidr.parse("10.244.0.0/16");
    static final Duration DRAIN = Duration.ofMillis(300);
    private static final KeydSettings FAST = new KeydSettings(SvidIssuer.DEFAULT_TTL, Duration.ofHours(48), Duration.ofMillis(500), Duration.ofHours(1));

    final Clock clock = Clock.systemUTC();
    final KernelMesh mesh = new KernelMesh();
    final StoreLocation location;
    private final Path tmp;
    private final Path caKeyFile;
    private final EtcdProcess etcd;
    private final IdentityStore admin;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    /** Where each node's encryption agent keeps its records (the etcd by default), and how it learns it left. */
    private final java.util.function.Function<String, EncryptionStore> encryptionStores;
    private final java.util.function.Function<String, dev.ward.agent.node.NodePresence> presences;

    /** One node: its identity outlives encryption-agent restarts, its kernel outlives everything. */
    final class Node {
        final String name;
        final int index;
        final NodeIdentityAgent identity;
        final RecordingKernel kernel;
        EncryptionStore store;
        EncryptionAgent agent;

        Node(String name, int index, NodeIdentityAgent identity) {
            this.name = name;
            this.index = index;
            this.identity = identity;
            this.kernel = mesh.kernel(name, local().underlay().getFirst());
        }

        LocalNode local() {
            return TestCluster.local(name, index);
        }

        Path stateDir() {
            return tmp.resolve("state-" + name);
        }

        void startAgent() {
            startAgent(Duration.ofHours(24));
        }

        void startAgent(Duration rotateEvery) {
            startAgent(rotateEvery, EncryptionAgentConfig.DEFAULT_RECONCILE);
        }

        void startAgent(Duration rotateEvery, Duration reconcileEvery) {
            startAgent(encryptionStores.apply(name), rotateEvery, reconcileEvery);
        }

        void startAgent(EncryptionStore records, Duration rotateEvery, Duration reconcileEvery) {
            store = records;
            EncryptionAgentConfig config = new EncryptionAgentConfig(local(), new EncryptionSettings(EspCipher.AES_128_GCM,
                    List.of(CLUSTER_CIDR), DRAIN), rotateEvery, clock).withReconcileEvery(reconcileEvery);
            agent = new EncryptionAgent(config, store, identity, new KeyringFile(stateDir()), () -> Map.of("XfrmInNoStates", 0L),
                    presences.apply(name));
            agent.start(kernel);
        }

        void stopAgent() {
            agent.close();
            store.close();
            agent = null;
        }
    }

    TestCluster(Path tmp) throws Exception {
        this(tmp, SvidIssuer.DEFAULT_TTL);
    }

    /** @param svidTtl how long keyd's SVIDs live (agents renew at half of it) */
    TestCluster(Path tmp, Duration svidTtl) throws Exception {
        this(tmp, svidTtl, null, node -> dev.ward.agent.node.NodePresence.ALWAYS);
    }

    /**
     * @param encryptionStores each node's encryption store (null: the cluster's etcd); identities always use etcd
     * @param presences        what each node's agent asks when its own announcement disappears
     */
    TestCluster(Path tmp, Duration svidTtl, java.util.function.Function<String, EncryptionStore> encryptionStores,
                java.util.function.Function<String, dev.ward.agent.node.NodePresence> presences) throws Exception {
        this.tmp = tmp;
        this.presences = presences;
        this.caKeyFile = tmp.resolve("ca-keyring.pem");
        this.etcd = EtcdProcess.start();
        open.add(etcd);
        this.location = StoreLocation.parse("etcd://" + etcd.endpoint().replace("http://", ""));
        this.encryptionStores = encryptionStores != null ? encryptionStores : node -> EncryptionStores.open(location, clock);
        this.admin = IdentityStores.open(location, caKeyFile);
        open.add(admin);
        new CaAdmin(admin, publication(), clock).init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        IdentityStore keydStore = IdentityStores.open(location, caKeyFile);
        open.add(keydStore);
        open.add(KeyDaemon.start(keydStore, FAST.withSvidTtl(svidTtl), clock, "test"));
    }

    static LocalNode local(String name, int index) {
        return new LocalNode(name, List.of(IpLiterals.parse("192.168.50." + index)), List.of(Cidr.parse("10.244." + index + ".0/24")));
    }

    /** Joins a node (token, SVID from keyd) and starts its encryption agent. */
    Node join(String name, int index) throws Exception {
        ClusterStore store = ClusterStore.open(location, StoreAccess.EXISTING);
        open.add(store);
        KeydChannel keyd = KeydChannel.on(store, clock);
        Path state = tmp.resolve("state-" + name);
        String token = new StateDirectory(state).loadSvid().isPresent() ? null : nodeAdmin().createToken(name, Duration.ofMinutes(10)).token();
        NodeIdentityAgent identity = NodeIdentityAgent.start(new AgentSettings(name, state, 0.5, Duration.ofSeconds(15), Duration.ofMillis(200), Duration.ZERO),
                keyd.requester(), keyd.trust(), token, clock);
        open.add(identity);
        Node node = new Node(name, index, identity);
        nodes.put(name, node);
        node.startAgent();
        return node;
    }

    Node node(String name) {
        return nodes.get(name);
    }

    NodeAdmin nodeAdmin() {
        return new NodeAdmin(admin, publication(), clock);
    }

    EncryptionStore encryptionStore() {
        EncryptionStore store = EncryptionStores.open(location, clock);
        open.add(store);
        return store;
    }

    /** True when every listed node sends to every other on an acknowledged SA of its current epoch, with nothing draining. */
    boolean converged(List<String> members) {
        for (String name : members) {
            Node node = nodes.get(name);
            var status = node.agent.status();
            List<String> others = members.stream().filter(other -> !other.equals(name)).sorted().toList();
            if (!status.peers().equals(others) || !status.encryptedPeers().equals(others) || !status.pendingAcks().isEmpty()
                    || node.kernel.snapshot().size() != 2 * others.size()) {
                return false;
            }
        }
        return true;
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private TrustPublication publication() {
        return new TrustPublication(admin, new TrustPublisher(Duration.ofHours(48)), clock);
    }

    @Override
    public void close() throws Exception {
        for (Node node : nodes.values()) {
            if (node.agent != null) {
                node.stopAgent();
            }
        }
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
    }
}
