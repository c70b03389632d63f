package dev.ward.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.datapath.DatapathEndpoint;
import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.datapath.DatapathSubsystem;
import dev.ward.agent.datapath.InMemoryDatapath;
import dev.ward.agent.datapath.PolicyDatapath;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.agent.endpoints.EndpointsConfig;
import dev.ward.agent.endpoints.EndpointsSubsystem;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.agent.policy.PolicySubsystem;
import dev.ward.agentapi.EndpointState;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.model.Direction;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import dev.ward.testbed.CniRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The plugin as a container runtime runs it: the real ward-cni launcher, chained after Debian's real ptp (and bridge)
 * plugins with host-local IPAM, executed in a node's network namespace with CNI_* and the configuration on stdin,
 * against a real agent (datapath, policy and endpoints subsystems) serving its socket, with real pod namespaces.
 */
class CniPluginTest {
    static final Path MODULE = Path.of(System.getProperty("user.dir"));
    static final Path NET_D = MODULE.resolve("examples/etc/cni/net.d");
    static final String RULE1 = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: rule1, namespace: default}
            spec:
              endpointSelector: {matchLabels: {org: empire, class: deathstar}}
              ingress:
              - fromEndpoints: [{matchLabels: {org: empire}}]
                toPorts: [{ports: [{port: "80", protocol: TCP}]}]
            """;

    @TempDir
    Path tmp;

    private final String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    private final String node = "wcn" + tag;
    private final List<String> namespaces = new ArrayList<>();
    private NodeAgent agent;
    private InMemoryDatapath datapath;
    private Path socket;
    private Path bin;

    @BeforeEach
    void setUp() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/lib/cni/ptp")), "Debian's containernetworking-plugins (scripts/install-deps) provides ptp");
        NetworkNamespace.create(node);
        namespaces.add(node);
        bin = Files.createDirectories(tmp.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("ward"), MODULE.resolve("ward-cni"));
        socket = tmp.resolve("run/agent.sock");
    }

    @AfterEach
    void tearDown() {
        if (agent != null) agent.close();
        for (String ns : namespaces.reversed()) {
            try {
                if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }

    private void startAgent(PolicyDatapath dp, Duration datapathWait) throws Exception {
        Path store = tmp.resolve("store");
        DirectoryKv kv = new DirectoryKv(store.resolve("kv"));
        new KvPolicyStore(kv, KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1", RULE1);
        Path state = tmp.resolve("state");
        EndpointsConfig endpoints = new EndpointsConfig(PolicyConfig.DEFAULT, socket, node, DatapathKind.NONE,
                new EndpointManager.Settings(Duration.ofSeconds(2), datapathWait));
        NodeAgentConfig config = new NodeAgentConfig(new StoreLocation.Directory(store), state,
                new IdentityConfig(AgentSettings.defaults("n1", state), null), Optional.empty(), Optional.of(endpoints), Clock.systemUTC());
        agent = NodeAgent.start(config, new ClusterStore.KeyValue(kv, new StoreLocation.Directory(store)), List.of(
                new DatapathSubsystem(c -> dp), new PolicySubsystem(endpoints.policy()), new EndpointsSubsystem(endpoints)));
    }

    /** The agent's {@code ward_endpoint_add_failures} count for {@code reason}. */
    private double addFailures(String reason) {
        for (var m : agent.service(io.prometheus.metrics.model.registry.PrometheusRegistry.class).scrape()) {
            if (!m.getMetadata().getName().equals("ward_endpoint_add_failures")) continue;
            for (var p : m.getDataPoints()) {
                if (reason.equals(p.getLabels().get("reason"))) return ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) p).getValue();
            }
        }
        return 0;
    }

    private String pod() {
        String ns = "wcp" + tag + namespaces.size();
        NetworkNamespace.create(ns);
        namespaces.add(ns);
        return NetworkNamespace.path(ns).toString();
    }

    /** The example conflist as shipped, pointed at this test's agent socket and IPAM directory. */
    private CniRuntime runtime(String conflist) throws Exception {
        ObjectNode list = CniRuntime.readConflist(NET_D.resolve(conflist));
        ObjectNode main = (ObjectNode) list.get("plugins").get(0);
        ((ObjectNode) main.get("ipam")).put("dataDir", tmp.resolve("ipam").toString());
        ((ObjectNode) list.get("plugins").get(1)).put("agentSocket", socket.toString());
        return new CniRuntime(node, List.of(bin, Path.of("/usr/lib/cni")), list);
    }

    private static String main(String conflist) {
        return conflist.contains("bridge") ? "bridge" : "ptp";
    }

    private VerdictTable table(String endpoint) {
        PolicyEngineLoop loop = agent.service(PolicyEngineLoop.class);
        return loop.call(() -> loop.engine().table(endpoint)).join();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"10-ward-ptp.conflist", "10-ward-bridge.conflist"})
    void aPodChainedAfterTheMainPluginIsEnforcedWhenAddReturns(String conflist) throws Exception {
        datapath = new InMemoryDatapath();
        startAgent(datapath, Duration.ofSeconds(10));
        CniRuntime runtime = runtime(conflist).labels(Map.of("org", "empire", "class", "deathstar"));
        String netns = pod();
        String args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=deathstar;K8S_POD_INFRA_CONTAINER_ID=c0ffee";
        CniRuntime.Outcome add = runtime.add("c0ffee", netns, "eth0", args);
        assertTrue(add.ok(), "ADD failed: " + add.execs());

        // At the moment ADD returned, the datapath held the pod with its full table.
        InMemoryDatapath.Held held = datapath.endpoint("default/deathstar");
        assertNotNull(held, "the datapath holds the pod when ADD returns");
        assertTrue(held.holds(table("default/deathstar")));
        assertTrue(held.enforced(Direction.INGRESS), "rule1 applies from the first packet");
        // The pod's host-side veth is the one the main plugin made, in the node's namespace.
        JsonNode result = add.result();
        String veth = null;
        for (JsonNode f : result.get("interfaces")) {
            if (!f.hasNonNull("sandbox")) {
                try (RouteNetlink rt = RouteNetlink.open(node)) {
                    if ("veth".equals(rt.link(f.get("name").asText()).kind())) veth = f.get("name").asText();
                }
            }
        }
        assertEquals(veth, held.endpoint().veth());
        String address = result.get("ips").get(0).get("address").asText();
        assertEquals(List.of(dev.ward.netlink.IpPrefix.host(dev.ward.netlink.IpPrefix.parse(address).address())), held.endpoint().addresses());
        // A chained plugin passes the main plugin's result on.
        assertEquals(add.execs().get(0).json().get("ips"), result.get("ips"));
        assertEquals("1.0.0", result.get("cniVersion").asText());
        System.out.printf("%s: ADD took %d ms in ward (the main plugin %d ms)%n", conflist, add.last().millis(), add.execs().get(0).millis());

        CniRuntime.Outcome check = runtime.check("c0ffee", netns, "eth0", args, result);
        assertTrue(check.ok(), "CHECK failed: " + check.execs());

        CniRuntime.Outcome del = runtime.del("c0ffee", netns, "eth0", args, result);
        assertTrue(del.ok(), "DEL failed: " + del.execs());
        assertEquals("", del.execs().getFirst().stdout(), "DEL prints nothing");
        assertNull(datapath.endpoint("default/deathstar"), "DEL detaches the pod");
        assertTrue(agent.service(EndpointManager.class).list().isEmpty());
        CniRuntime.Outcome again = runtime.del("c0ffee", netns, "eth0", args, result);
        assertTrue(again.ok(), "a second DEL is no error: " + again.execs());
        // CHECK of ward alone after DEL (ptp's own CHECK fails first): the pod's veth is gone
        CniRuntime.Exec checkGone = runtime.exec(runtime.plugin("ward"), "CHECK", "c0ffee", netns, "eth0", args, result);
        assertEquals(CniError.NO_HOST_VETH, checkGone.json().get("code").asInt(), checkGone.stdout());
        // a pod the main plugin wired but ward never registered fails CHECK
        String other = pod();
        CniRuntime.Exec mainOnly = runtime.exec(runtime.plugin(main(conflist)), "ADD", "d00d", other, "eth0", args, null);
        assertEquals(0, mainOnly.exit(), mainOnly.stdout());
        CniRuntime.Exec unregistered = runtime.exec(runtime.plugin("ward"), "CHECK", "d00d", other, "eth0", args, mainOnly.json());
        assertEquals(CniError.CHECK_FAILED, unregistered.json().get("code").asInt(), unregistered.stdout());
        assertTrue(unregistered.json().get("msg").asText().contains("not an endpoint"), unregistered.stdout());
    }

    @Test
    void badInputIsAClearErrorNamingThePodAndNothingIsProgrammed() throws Exception {
        datapath = new InMemoryDatapath();
        startAgent(datapath, Duration.ofSeconds(10));
        CniRuntime runtime = runtime("10-ward-ptp.conflist");
        String args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1";

        // an unknown network namespace: the main plugin made the pod's interfaces, and the namespace went before ward ran
        String gone = pod();
        CniRuntime.Exec ptp = runtime.exec(runtime.plugin("ptp"), "ADD", "c1", gone, "eth0", args, null);
        assertEquals(0, ptp.exit(), ptp.stdout());
        NetworkNamespace.delete(gone.substring(gone.lastIndexOf('/') + 1));
        CniRuntime.Exec last = runtime.exec(runtime.plugin("ward"), "ADD", "c1", gone, "eth0", args, ptp.json());
        assertNotEquals(0, last.exit());
        assertEquals(CniError.UNKNOWN_CONTAINER, last.json().get("code").asInt(), last.stdout());
        assertTrue(last.json().get("msg").asText().contains("pod default/web-1"), last.stdout());
        assertEquals(1.0, addFailures("netns-not-found"), "the plugin reported its refusal: the agent counts it");

        // ward alone: no main plugin, no prevResult
        ObjectNode alone = CniRuntime.readConflist(NET_D.resolve("10-ward-ptp.conflist"));
        ((com.fasterxml.jackson.databind.node.ArrayNode) alone.get("plugins")).remove(0);
        ((ObjectNode) alone.get("plugins").get(0)).put("agentSocket", socket.toString());
        CniRuntime.Exec noPrev = new CniRuntime(node, List.of(bin), alone).add("c2", pod(), "eth0", args).last();
        assertEquals(CniError.INVALID_CONFIG, noPrev.json().get("code").asInt(), noPrev.stdout());
        assertTrue(noPrev.json().get("msg").asText().contains("pod default/web-1") && noPrev.json().get("msg").asText().contains("prevResult"), noPrev.stdout());

        // the agent is down
        agent.close();
        agent = null;
        String netns = pod();
        CniRuntime.Outcome down = runtime.add("c3", netns, "eth0", args);
        CniRuntime.Exec ward = down.last();
        assertEquals("ward", ward.plugin());
        assertEquals(CniError.TRY_AGAIN_LATER, ward.json().get("code").asInt(), ward.stdout());
        assertTrue(ward.json().get("msg").asText().contains("pod default/web-1") && ward.json().get("msg").asText().contains("not reachable"), ward.stdout());
        assertTrue(datapath.endpoints().isEmpty(), "nothing was programmed");
        runtime.del("c3", netns, "eth0", args, down.execs().getFirst().json()); // the runtime cleans up what ptp made

        // bad environment and version
        CniRuntime.Exec noId = runtime.run("ward", Map.of("CNI_COMMAND", "ADD", "CNI_NETNS", netns, "CNI_IFNAME", "eth0"), "{\"cniVersion\":\"1.0.0\"}".getBytes());
        assertEquals(CniError.INVALID_ENVIRONMENT, noId.json().get("code").asInt(), noId.stdout());
        CniRuntime.Exec future = runtime.run("ward", Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c4", "CNI_NETNS", netns, "CNI_IFNAME", "eth0"),
                "{\"cniVersion\":\"9.9.9\",\"name\":\"x\",\"type\":\"ward\"}".getBytes());
        assertEquals(CniError.INCOMPATIBLE_VERSION, future.json().get("code").asInt(), future.stdout());
        CniRuntime.Exec garbage = runtime.run("ward", Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c4"), "not json".getBytes());
        assertEquals(CniError.DECODING_FAILURE, garbage.json().get("code").asInt(), garbage.stdout());
        CniRuntime.Exec version = runtime.run("ward", Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}".getBytes());
        assertEquals(0, version.exit());
        assertEquals("[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\"]", version.json().get("supportedVersions").toString());
    }

    @Test
    void aDatapathThatDoesNotConfirmFailsTheAddAndThePodStaysDefaultDeny() throws Exception {
        InMemoryDatapath never = new InMemoryDatapath() {
            @Override
            public CompletableFuture<Void> putEndpoint(DatapathEndpoint endpoint, VerdictTable table) {
                return new CompletableFuture<>();
            }
        };
        datapath = never;
        startAgent(never, Duration.ofSeconds(30));
        ObjectNode list = CniRuntime.readConflist(NET_D.resolve("10-ward-ptp.conflist"));
        ((ObjectNode) list.get("plugins").get(0).get("ipam")).put("dataDir", tmp.resolve("ipam").toString());
        ((ObjectNode) list.get("plugins").get(1)).put("agentSocket", socket.toString()).put("readyTimeoutSeconds", 2);
        CniRuntime runtime = new CniRuntime(node, List.of(bin, Path.of("/usr/lib/cni")), list);
        CniRuntime.Outcome add = runtime.add("c5", pod(), "eth0", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=slow");
        CniRuntime.Exec ward = add.last();
        assertEquals(CniError.DATAPATH_FAILED, ward.json().get("code").asInt(), ward.stdout());
        assertTrue(ward.json().get("msg").asText().contains("pod default/slow") && ward.json().get("msg").asText().contains("did not confirm"), ward.stdout());
        assertEquals(EndpointState.REGISTERING, agent.service(EndpointManager.class).list().getFirst().state(),
                "registered, never confirmed: its traffic is dropped");
    }
}
