package dev.ward.cli.endpoints;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.datapath.DatapathSubsystem;
import dev.ward.agent.endpoints.EndpointsSubsystem;
import dev.ward.agent.policy.PolicySubsystem;
import dev.ward.store.ClusterStore;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.agent.endpoints.EndpointsConfig;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.IpConfig;
import dev.ward.bpf.load.BpfFilesystem;
import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.EndpointValue;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.maps.PortPrefix;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.cli.CliRun;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static dev.ward.bpf.TestPolicies.STAR_WARS_RULE1;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code wardctl policy get --endpoint} and {@code wardctl endpoint list} show what the kernel's maps hold: compared
 * with the pinned maps read directly, and with a divergence planted in them behind the agent's back (a stale allow, a
 * deleted row, a locked direction), which the agent's registry and engine know nothing of.
 */
class KernelReadBackCommandTest {

    @TempDir
    Path tmp;

    private final String node = "wkr" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    private Path bpffs;
    private NodeAgent agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) agent.close();
        if (NetworkNamespace.exists(node)) NetworkNamespace.delete(node);
        if (bpffs != null && BpfFilesystem.isBpffs(bpffs)) BpfFilesystem.unmount(bpffs);
    }

    private int veth(String name) {
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.createVethPair(name, name + "p");
            rt.setUp(name, true);
            return rt.indexOf(name);
        }
    }

    private void add(Path socket, String pod, String veth, int ifindex, String ip, Map<String, String> labels) throws Exception {
        ApiResponse r = new AgentClient(socket, Duration.ofSeconds(20)).call(new ApiRequest.AddEndpoint("ctr-" + pod, "eth0", "/run/netns/x",
                "default", pod, labels, List.of(new IpConfig(ip, null)), veth, ifindex, null), x -> { });
        assertInstanceOf(ApiResponse.Ready.class, r, r.toString());
    }

    @Test
    void policyGetAndEndpointListShowTheKernelsMapsIncludingWhatWasPlantedBehindTheAgent() throws Exception {
        bpffs = Files.createDirectories(tmp.resolve("bpffs"));
        BpfFilesystem.mount(bpffs);
        Path pinRoot = bpffs.resolve("ward");
        Path socket = tmp.resolve("agent.sock");
        Path store = tmp.resolve("store");
        new KvPolicyStore(new DirectoryKv(store.resolve("kv")), KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1", STAR_WARS_RULE1);
        NetworkNamespace.create(node);
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.setUp("lo", true); // the datapath routes what it redirects to the local proxies through lo
        }
        EndpointsConfig endpoints = new EndpointsConfig(PolicyConfig.DEFAULT, socket, node, DatapathKind.BPF, EndpointManager.Settings.DEFAULT,
                pinRoot, Duration.ofHours(1));
        NodeAgentConfig config = new NodeAgentConfig(new StoreLocation.Directory(store), tmp.resolve("state"),
                new IdentityConfig(AgentSettings.defaults("n1", tmp.resolve("state")), null), Optional.empty(), Optional.of(endpoints), Clock.systemUTC());
        agent = NodeAgent.start(config, new ClusterStore.KeyValue(new DirectoryKv(store.resolve("kv")), new StoreLocation.Directory(store)),
                List.of(new DatapathSubsystem(c -> DatapathKind.BPF.open(c, node, pinRoot)), new PolicySubsystem(endpoints.policy()),
                        new EndpointsSubsystem(endpoints)));
        int tieIndex = veth(node + "t"), dsIndex = veth(node + "d");
        add(socket, "tiefighter", node + "t", tieIndex, "10.244.1.5/24", Map.of("org", "empire", "class", "tiefighter"));
        add(socket, "deathstar", node + "d", dsIndex, "10.244.1.6/24", Map.of("org", "empire", "class", "deathstar"));

        CliRun json = CliRun.wardctl("policy", "get", "--endpoint", "default/deathstar", "--socket", socket.toString(), "-o", "json");
        assertEquals(0, json.exit(), json.err());
        JsonNode p = json.json();
        int endpointId = p.get("datapath").get("endpointId").asInt();
        Map<PolicyKey, PolicyValue> pinned = pinned(pinRoot, endpointId);
        assertEquals(keys(pinned), rows(p.get("entries")), "wardctl shows exactly the rows of the pinned map " + pinned);
        assertEquals(2, pinned.size(), "rule1: the tiefighter's and the deathstar's own identity on 80/TCP");
        assertTrue(p.get("missing").isEmpty());

        // behind the agent's back: a stale allow, a deleted row, the deathstar's egress locked
        int tieIdentity = p.get("entries").findValues("remoteIdentity").stream().mapToInt(JsonNode::asInt)
                .filter(id -> id != p.get("datapath").get("identity").asInt()).findFirst().orElseThrow();
        PolicyKey stale = new PolicyKey(4242, Direction.INGRESS, Protocol.TCP, new PortPrefix(9999, 16));
        PolicyKey gone = new PolicyKey(tieIdentity, Direction.INGRESS, Protocol.TCP, new PortPrefix(80, 16));
        try (BpfMap m = map(pinRoot, "ward_pol_" + endpointId, PolicyKey.SIZE, PolicyValue.SIZE)) {
            m.update(stale.encode(), new PolicyValue(Verdict.Kind.ALLOW, 0, 0).encode());
            assertTrue(m.delete(gone.encode()));
        }
        try (BpfMap m = map(pinRoot, "ward_endpoints", 4, EndpointValue.SIZE)) {
            byte[] key = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(dsIndex).array();
            EndpointValue v = EndpointValue.decode(m.lookup(key));
            m.update(key, v.withFlags(v.flags() | EndpointValue.LOCK_EGRESS).encode());
        }

        CliRun table = CliRun.wardctl("policy", "get", "--endpoint", "default/deathstar", "--socket", socket.toString());
        assertEquals(0, table.exit(), table.err());
        String out = table.out();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("egress:") && l.contains("FAILED CLOSED")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("ingress:") && l.contains("default deny")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("4242") && l.contains(" 9999 ") && l.contains("allow") && l.trim().endsWith("STALE")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains(String.valueOf(tieIdentity)) && l.contains("k8s:class=tiefighter") && l.contains(" 80 ")
                && l.contains("rule1") && l.trim().endsWith("MISSING")), out);
        assertTrue(out.contains("the kernel differs from the agent's table: 1 stale, 1 missing"), out);
        assertEquals(keys(pinned(pinRoot, endpointId)), rows(CliRun.wardctl("policy", "get", "--endpoint", "default/deathstar", "--socket",
                socket.toString(), "-o", "json").json().get("entries")), "still exactly the pinned map");

        CliRun list = CliRun.wardctl("endpoint", "list", "--socket", socket.toString());
        String ds = list.out().lines().filter(l -> l.startsWith("default/deathstar")).findFirst().orElseThrow();
        assertTrue(ds.contains(" ready ") && ds.contains("ep" + endpointId + " ingress:enforced egress:LOCKED 2/"), ds);
        String tie = list.out().lines().filter(l -> l.startsWith("default/tiefighter")).findFirst().orElseThrow();
        assertTrue(tie.contains("ingress:open egress:open 0/"), tie);
        JsonNode listed = CliRun.wardctl("endpoint", "list", "--socket", socket.toString(), "-o", "json").json();
        JsonNode dsJson = listed.findParents("name").stream().filter(n -> n.get("name").asText().equals("default/deathstar")).findFirst().orElseThrow();
        assertEquals("ready", dsJson.get("state").asText(), "the registry knows nothing of the lock");
        assertEquals("[\"egress\"]", dsJson.get("datapath").get("lockedDirections").toString(), "the kernel's entry is what is shown");

        CliRun unknown = CliRun.wardctl("policy", "get", "--endpoint", "default/nobody", "--socket", socket.toString());
        assertNotEquals(0, unknown.exit());
        assertTrue(unknown.err().contains("endpoint default/nobody is not in node n1's datapath"), unknown.err());
        CliRun both = CliRun.wardctl("policy", "get", "--endpoint", "default/deathstar", "--labels", "app=x");
        assertNotEquals(0, both.exit());
        assertTrue(both.err().contains("give --labels (the table computed from policies) or --endpoint"), both.err());
    }

    private static BpfMap map(Path pinRoot, String pin, int key, int value) {
        return BpfMap.owned(Libbpf.getPinned(pinRoot.resolve(pin).toString()), pin, key, value);
    }

    private static Map<PolicyKey, PolicyValue> pinned(Path pinRoot, int endpointId) {
        Map<PolicyKey, PolicyValue> out = new java.util.LinkedHashMap<>();
        try (BpfMap m = map(pinRoot, "ward_pol_" + endpointId, PolicyKey.SIZE, PolicyValue.SIZE)) {
            for (BpfMap.Element e : m.elements()) out.put(PolicyKey.decode(e.key()), PolicyValue.decode(e.value()));
        }
        return out;
    }

    /** The pinned map's entries as (direction, identity, protocol, low, high, verdict). */
    private static Set<List<String>> keys(Map<PolicyKey, PolicyValue> m) {
        Set<List<String>> out = new HashSet<>();
        m.forEach((k, v) -> out.add(List.of(k.direction().lower(), String.valueOf(k.identity()), k.protocol().name(), String.valueOf(k.port().low()),
                String.valueOf(k.port().high()), v.verdict().name().toLowerCase())));
        return out;
    }

    private static Set<List<String>> rows(JsonNode entries) {
        Set<List<String>> out = new HashSet<>();
        for (JsonNode e : entries) {
            out.add(List.of(e.get("direction").asText(), e.get("remoteIdentity").asText(), e.get("protocol").asText(), e.get("portLow").asText(),
                    e.get("portHigh").asText(), e.get("verdict").asText()));
        }
        return out;
    }
}
