package dev.ward.cli.endpoints;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.datapath.DatapathSubsystem;
import dev.ward.agent.datapath.InMemoryDatapath;
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
import dev.ward.cli.CliRun;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/** {@code wardctl endpoint list} against a running agent's socket, with a pod's veth in a real namespace. */
class EndpointCommandTest {
    @TempDir
    Path tmp;

    private final String node = "wec" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    private NodeAgent agent;

    @AfterEach
    void stop() {
        if (agent != null) agent.close();
        if (NetworkNamespace.exists(node)) NetworkNamespace.delete(node);
    }

    @Test
    void listShowsTheNodesEndpointsFromTheAgentsRegistry() throws Exception {
        Path socket = tmp.resolve("agent.sock");
        Path store = tmp.resolve("store");
        EndpointsConfig endpoints = new EndpointsConfig(PolicyConfig.DEFAULT, socket, node, DatapathKind.NONE, EndpointManager.Settings.DEFAULT);
        NodeAgentConfig config = new NodeAgentConfig(new StoreLocation.Directory(store), tmp.resolve("state"),
                new IdentityConfig(AgentSettings.defaults("n1", tmp.resolve("state")), null), Optional.empty(), Optional.of(endpoints), Clock.systemUTC());
        agent = NodeAgent.start(config, new ClusterStore.KeyValue(new DirectoryKv(store.resolve("kv")), new StoreLocation.Directory(store)),
                List.of(new DatapathSubsystem(c -> new InMemoryDatapath()), new PolicySubsystem(endpoints.policy()), new EndpointsSubsystem(endpoints)));
        NetworkNamespace.create(node);
        int ifindex;
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.createVethPair(node + "a", node + "b");
            ifindex = rt.indexOf(node + "a");
        }
        ApiResponse r = new AgentClient(socket, Duration.ofSeconds(10)).call(new ApiRequest.AddEndpoint("0123456789abcdef", "eth0",
                "/run/netns/whatever", "prod", "web-1", Map.of("app", "web"), List.of(new IpConfig("10.244.1.5/24", "10.244.1.1")),
                node + "a", ifindex, null), x -> { });
        assertInstanceOf(ApiResponse.Ready.class, r);

        CliRun table = CliRun.wardctl("endpoint", "list", "--socket", socket.toString());
        assertEquals(0, table.exit(), table.err());
        String[] lines = table.out().split("\n");
        assertTrue(lines[0].matches("ENDPOINT\\s+CONTAINER\\s+IPS\\s+IDENTITY\\s+LABELS\\s+VETH\\s+STATE\\s+DATAPATH\\s*"), lines[0]);
        assertTrue(lines[1].startsWith("prod/web-1") && lines[1].contains("0123456789ab ") && lines[1].contains("10.244.1.5 ")
                && lines[1].contains("k8s:app=web") && lines[1].contains(node + "a(" + ifindex + ")") && lines[1].matches(".* ready +- *"), lines[1]);

        CliRun json = CliRun.wardctl("endpoint", "list", "--socket", socket.toString(), "-o", "json");
        JsonNode e = json.json().get(0);
        assertEquals("prod/web-1", e.get("name").asText());
        assertEquals("ready", e.get("state").asText());
        assertTrue(e.get("identity").asInt() >= 256);
        assertEquals("n1", e.get("node").asText());
    }

    @Test
    void anAgentThatIsNotRunningIsNamedWithItsSocket() {
        CliRun r = CliRun.wardctl("endpoint", "list", "--socket", tmp.resolve("none.sock").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("not reachable at " + tmp.resolve("none.sock")), r.err());
    }
}
