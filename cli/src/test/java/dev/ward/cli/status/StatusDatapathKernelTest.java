package dev.ward.cli.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.datapath.DatapathSubsystem;
import dev.ward.agent.datapath.ProxyPortTable;
import dev.ward.agent.datapath.status.DatapathReportSubsystem;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.agent.endpoints.EndpointsConfig;
import dev.ward.agent.endpoints.EndpointsSubsystem;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.agent.policy.PolicySubsystem;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.IpConfig;
import dev.ward.bpf.load.BpfFilesystem;
import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.EndpointValue;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.cli.CliRun;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.store.ClusterStore;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import static dev.ward.cli.CliRun.wardctl;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code wardctl status} from the host kernel up: an agent on the real BPF datapath reports to a directory store,
 * and an endpoint locked in the kernel behind the agent's back (as an earlier agent's failure leaves it) makes the
 * node unhealthy, naming the endpoint and direction; the DNS proxy's port shows once registered.
 */
class StatusDatapathKernelTest {
    @TempDir
    Path tmp;

    private final String node = "wst" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    private Path bpffs;
    private NodeAgent agent;

    @AfterEach
    void stop() {
        if (agent != null) agent.close();
        if (NetworkNamespace.exists(node)) NetworkNamespace.delete(node);
        if (bpffs != null && BpfFilesystem.isBpffs(bpffs)) BpfFilesystem.unmount(bpffs);
    }

    @Test
    void anEndpointLockedInTheKernelMakesTheNodeUnhealthyAndAProxyPortShows() throws Exception {
        bpffs = Files.createDirectories(tmp.resolve("bpffs"));
        BpfFilesystem.mount(bpffs);
        Path pinRoot = bpffs.resolve("ward"), socket = tmp.resolve("agent.sock"), store = tmp.resolve("store");
        String storeFlag = "dir:" + store;
        assertEquals(0, wardctl("ca", "init", "--store", storeFlag, "--ca-key-file", tmp.resolve("ca.pem").toString(), "--trust-domain", "status.test").exit());
        new KvPolicyStore(new DirectoryKv(store.resolve("kv")), KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1", """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: rule1, namespace: default}
                spec:
                  endpointSelector: {matchLabels: {class: deathstar}}
                  ingress:
                  - fromEndpoints: [{matchLabels: {org: empire}}]
                    toPorts: [{ports: [{port: "80", protocol: TCP}]}]
                """);
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
                        new EndpointsSubsystem(endpoints), new DatapathReportSubsystem(Duration.ofMillis(100))));
        int ifindex;
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.createVethPair(node + "d", node + "p");
            rt.setUp(node + "d", true);
            ifindex = rt.indexOf(node + "d");
        }
        ApiResponse added = new AgentClient(socket, Duration.ofSeconds(20)).call(new ApiRequest.AddEndpoint("ctr-deathstar", "eth0", "/run/netns/x",
                "default", "deathstar", Map.of("org", "empire", "class", "deathstar"), List.of(new IpConfig("10.244.1.6/24", null)), node + "d", ifindex, null), x -> { });
        assertInstanceOf(ApiResponse.Ready.class, added, added.toString());

        // n1 has no SVID here (no keyd): the identity section's problem is not this test's; the datapath's is.
        JsonNode fine = await(json -> json.at("/nodes/0/sections/datapath/details/endpoints").asInt() == 1, storeFlag);
        assertEquals(0, fine.at("/nodes/0/sections/datapath/problems").size(), fine.toString());
        assertEquals("bpf", fine.at("/nodes/0/sections/datapath/details/datapath").asText());
        assertEquals(1, fine.at("/nodes/0/sections/datapath/details/enforced").asInt(), "rule1 selects the deathstar: " + fine);

        agent.service(ProxyPortTable.class).register("dns", 40053);
        JsonNode proxied = await(json -> json.at("/nodes/0/sections/proxies/details/dns").asInt() == 40053, storeFlag);
        assertEquals("dns on port 40053", proxied.at("/nodes/0/sections/proxies/lines/0").asText(), proxied.toString());

        try (BpfMap m = BpfMap.owned(Libbpf.getPinned(pinRoot.resolve("ward_endpoints").toString()), "ward_endpoints", 4, EndpointValue.SIZE)) {
            byte[] key = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(ifindex).array();
            EndpointValue v = EndpointValue.decode(m.lookup(key));
            m.update(key, v.withFlags(v.flags() | EndpointValue.LOCK_EGRESS).encode());
        }
        JsonNode locked = await(json -> json.at("/nodes/0/sections/datapath/problems").size() > 0, storeFlag);
        assertEquals("endpoint default/deathstar is failed closed: its egress traffic is dropped (no failure seen by this agent (locked before it started))",
                locked.at("/nodes/0/sections/datapath/problems/0").asText(), locked.toString());
        CliRun screen = wardctl("status", "--store", storeFlag);
        assertEquals(1, screen.exit());
        assertTrue(screen.out().contains("  datapath    bpf: 1 endpoint, 1 enforced, 1 failed closed; reported "), screen.out());
        assertTrue(screen.err().contains("datapath: endpoint default/deathstar is failed closed"), screen.err());
    }

    private static JsonNode await(Predicate<JsonNode> condition, String store) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            CliRun run = wardctl("status", "-o", "json", "--store", store);
            JsonNode json = run.json();
            if (condition.test(json)) return json;
            if (System.nanoTime() > deadline) fail("timed out; last: " + json + "\n" + run.err());
            Thread.sleep(100);
        }
    }
}
