package dev.ward.cli.flows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agent.flows.FlowType;
import dev.ward.agent.flows.FlowsTestAgent;
import dev.ward.agent.flows.sources.DnsFlows;
import dev.ward.agent.flows.sources.L7Flows;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.lab.Traffic;
import dev.ward.cli.CliRun;
import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.ward.bpf.TestPolicies.STAR_WARS_RULE1;
import static dev.ward.bpf.TestPolicies.policy;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code wardctl monitor} against a running agent: L3/L4 flows of real traffic through the BPF datapath on this
 * host's kernel (the seed's rule1), and DNS and L7 events injected through the adapters the proxies will be given.
 */
class MonitorCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private PodLab lab;
    private FlowsTestAgent agent;

    @AfterEach
    void stop() {
        if (agent != null) agent.close();
        if (lab != null) lab.close();
    }

    private String socket() {
        return agent.socket().toString();
    }

    private static List<JsonNode> jsonLines(CliRun r) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.out().split("\n")) if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }

    /** Three pods under rule1, and the agent's engine knowing their identities. */
    private Pod[] starWars() {
        lab = PodLab.create(3);
        PolicyWorld world = new PolicyWorld(lab);
        List<Identity> ids = List.of(world.endpoint(1, 1001, "org=empire,class=tiefighter"), world.endpoint(2, 1002, "org=alliance,class=xwing"),
                world.endpoint(3, 1003, "org=empire,class=deathstar"));
        world.upsert(policy(STAR_WARS_RULE1));
        agent = FlowsTestAgent.start(tmp, "n1", lab.datapath(), Optional.empty());
        ids.forEach(agent::identity);
        return new Pod[] {lab.pod(1), lab.pod(2), lab.pod(3)};
    }

    @Test
    void aDeniedFlowOfRealTrafficIsPrintedWithWhatDecidedItAsJsonAndAsATable() throws Exception {
        Pod[] p = starWars();
        Pod tiefighter = p[0], xwing = p[1], deathstar = p[2];
        try (AutoCloseable server = Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80)) {
            assertTrue(Traffic.tcpConnects(tiefighter, deathstar.ipv4(), 80));
            assertFalse(Traffic.tcpConnects(xwing, deathstar.ipv4(), 80));
        }
        CliRun json = CliRun.wardctl("monitor", "--socket", socket(), "--last", "100", "--verdict", "dropped", "--to",
                deathstar.ipv4().getHostAddress(), "--count", "1", "--timeout", "10s", "-o", "json");
        assertEquals(0, json.exit(), json.err());
        List<JsonNode> lines = jsonLines(json);
        assertEquals(1, lines.size(), json.out());
        JsonNode drop = lines.getFirst();
        assertEquals("l3l4", drop.get("type").asText());
        assertEquals("dropped", drop.get("verdict").asText());
        assertEquals("ingress", drop.get("direction").asText());
        assertEquals("policy_default_deny", drop.get("reason").asText());
        assertEquals(xwing.ipv4().getHostAddress(), drop.get("source").get("ip").asText());
        assertEquals(1002, drop.get("source").get("identity").asInt());
        assertTrue(drop.get("source").get("labels").toString().contains("k8s:org=alliance"), drop.toString());
        assertEquals(80, drop.get("destination").get("port").asInt());
        assertEquals(deathstar.name(), drop.get("destination").get("endpoint").asText());

        CliRun table = CliRun.wardctl("monitor", "--socket", socket(), "--last", "100", "--type", "l3l4", "--direction", "ingress",
                "--port", "80", "--labels", "k8s:class=deathstar", "--count", "2", "--timeout", "10s");
        assertEquals(0, table.exit(), table.err());
        String[] rows = table.out().split("\n");
        assertEquals(3, rows.length, table.out());
        assertTrue(rows[0].matches("TIME\\s+TYPE\\s+VERDICT\\s+DIRECTION\\s+PROTO\\s+REASON\\s+FLOW"), rows[0]);
        String allowed = rows[1].contains("FORWARDED") ? rows[1] : rows[2];
        String denied = rows[1].contains("DROPPED") ? rows[1] : rows[2];
        assertTrue(allowed.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\s+l3l4\\s+FORWARDED\\s+ingress\\s+TCP\\s+-\\s+.*"), allowed);
        assertTrue(allowed.contains(tiefighter.ipv4().getHostAddress() + ":") && allowed.contains("(1001 ") && allowed.contains("k8s:class=tiefighter")
                && allowed.contains("-> " + deathstar.ipv4().getHostAddress() + ":80 (" + deathstar.name() + " 1003 ")
                && allowed.contains(" new rule: CiliumNetworkPolicy/default/rule1 spec.ingress[0]"), allowed);
        assertTrue(denied.contains("DROPPED") && denied.contains("policy_default_deny") && denied.contains("k8s:org=alliance")
                && !denied.contains("rule:"), denied);
    }

    @Test
    void aMonitorStartedBeforeTheTrafficFollowsItLive() throws Exception {
        Pod[] p = starWars();
        Pod xwing = p[1], deathstar = p[2];
        CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.wardctl("monitor", "--socket", socket(), "--verdict", "dropped",
                "--protocol", "tcp", "--count", "1", "--timeout", "20s", "-o", "json"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (agent.hub().readers() < 1 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(1, agent.hub().readers(), "the monitor is following");
        assertFalse(Traffic.tcpConnects(xwing, deathstar.ipv4(), 8080));
        CliRun r = run.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        JsonNode f = jsonLines(r).getFirst();
        assertEquals(8080, f.get("destination").get("port").asInt());
        assertEquals("dropped", f.get("verdict").asText());
    }

    @Test
    void dnsAndL7EventsAreShownWithTheirOwnFields() throws Exception {
        agent = FlowsTestAgent.start(tmp, "n1", null, Optional.empty());
        agent.identity(Identity.of(1001, LabelSet.parse("k8s:org=empire,k8s:class=tiefighter", "k8s")));
        agent.identity(Identity.of(1003, LabelSet.parse("k8s:org=empire,k8s:class=deathstar", "k8s")));
        Instant t = Instant.parse("2026-03-01T10:00:00.250Z");
        new DnsFlows("n1", agent.hub()).onEvent(new DnsEvent(DnsEvent.Kind.QUERY, t, "default/tiefighter", 1001, IpPrefix.address("10.244.1.5"),
                IpPrefix.address("10.96.0.10"), 2, "udp", "evil.example", "A", "refused", "CiliumNetworkPolicy/default/dns spec.egress[0]", null,
                null, null, null, 0, 0, null, 40001, 53));
        new DnsFlows("n1", agent.hub()).onEvent(new DnsEvent(DnsEvent.Kind.ANSWER, t, "default/tiefighter", 1001, IpPrefix.address("10.244.1.5"),
                IpPrefix.address("10.96.0.10"), 2, "udp", "api.example.com", "A", "allowed", "CiliumNetworkPolicy/default/dns spec.egress[0]",
                "matchPattern:*.example.com", "NOERROR", List.of(IpPrefix.address("192.0.2.1")), List.of(), 60, 812, null, 40002, 53));
        new L7Flows("n1", agent.hub()).onEvent(new L7AccessEvent(t, 7, Direction.INGRESS, new InetSocketAddress(IpPrefix.address("10.244.1.5"), 51000),
                new InetSocketAddress(IpPrefix.address("10.244.1.10"), 80), 1001, 1003, "http", L7AccessEvent.Type.REQUEST,
                L7AccessEvent.Outcome.DENIED, Map.of("method", "PUT", "path", "/v1/exhaust-port"), null, null));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (agent.hub().seen(FlowType.DNS) + agent.hub().seen(FlowType.L7) < 3 && System.nanoTime() < deadline) Thread.sleep(20);

        CliRun dns = CliRun.wardctl("monitor", "--socket", socket(), "--last", "10", "--type", "dns", "--count", "2", "--timeout", "10s");
        assertEquals(0, dns.exit(), dns.err());
        String[] rows = dns.out().split("\n");
        assertEquals("10:00:00.250  dns   DROPPED     egress     UDP     dns_refused          10.244.1.5:40001 (default/tiefighter 1001 "
                + "k8s:class=tiefighter,k8s:org=empire) -> 10.96.0.10:53 (reserved:world reserved:world) query A evil.example "
                + "rule: CiliumNetworkPolicy/default/dns spec.egress[0]", rows[1]);
        assertTrue(rows[2].contains("FORWARDED") && rows[2].contains("answer A api.example.com NOERROR 192.0.2.1"), rows[2]);

        CliRun l7 = CliRun.wardctl("monitor", "--socket", socket(), "--last", "10", "--type", "l7", "--verdict", "dropped", "--count", "1",
                "--timeout", "10s", "-o", "json");
        assertEquals(0, l7.exit(), l7.err());
        JsonNode f = jsonLines(l7).getFirst();
        assertEquals("l7", f.get("type").asText());
        assertEquals("policy_denied", f.get("reason").asText());
        assertEquals("/v1/exhaust-port", f.get("l7").get("fields").get("path").asText());
        assertTrue(f.get("destination").get("labels").toString().contains("k8s:class=deathstar"), f.toString());
    }

    @Test
    void aTimeoutEndsTheMonitorFailingOnlyWhenTheCountWasNotReached() throws Exception {
        agent = FlowsTestAgent.start(tmp, "n1", null, Optional.empty());
        long start = System.nanoTime();
        CliRun quiet = CliRun.wardctl("monitor", "--socket", socket(), "--timeout", "500ms", "-o", "json");
        assertEquals(0, quiet.exit(), quiet.err());
        assertEquals("", quiet.out());
        CliRun short_ = CliRun.wardctl("monitor", "--socket", socket(), "--count", "3", "--timeout", "500ms");
        assertEquals(1, short_.exit());
        assertTrue(short_.err().contains("timed out after 500 ms with 0 of 3 flows"), short_.err());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    void withLastTheTimeoutCountsTheLiveFlowsTimeNotTheTimeTheReplayTookToRead() throws Exception {
        Path socket = tmp.resolve("slow-replay.sock");
        java.util.function.Function<String, com.fasterxml.jackson.databind.node.ObjectNode> flow = name ->
                JSON.createObjectNode().put("type", "dns").put("verdict", "forwarded").put("name", name);
        try (dev.ward.agentapi.AgentApiServer server = dev.ward.agentapi.AgentApiServer.start(socket, (request, out) -> {
            out.send(new dev.ward.agentapi.ApiResponse.Flow(flow.apply("replayed-1")));
            out.send(new dev.ward.agentapi.ApiResponse.Flow(flow.apply("replayed-2")));
            // A history read slowly, as on a node whose CPU is busy: longer than the whole --timeout.
            Thread.sleep(1_500);
            out.send(new dev.ward.agentapi.ApiResponse.HistoryEnd(2));
            Thread.sleep(300);
            out.send(new dev.ward.agentapi.ApiResponse.Flow(flow.apply("live-1")));
            out.clientClosed().get(20, TimeUnit.SECONDS);
        }, new dev.ward.agentapi.AgentApiServer.Settings(java.time.Duration.ofSeconds(30), 4))) {
            long start = System.nanoTime();
            CliRun r = CliRun.wardctl("monitor", "--socket", socket.toString(), "--last", "2", "--timeout", "1s", "-o", "json");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(0, r.exit(), r.err());
            assertEquals(List.of("replayed-1", "replayed-2", "live-1"), jsonLines(r).stream().map(n -> n.get("name").asText()).toList());
            assertTrue(took >= 2_500 && took < 10_000, "1.5 s of replay, then 1 s of live flows: " + took + " ms");
        }
    }

    @Test
    void badFiltersAnAbsentAgentAndAStoppingAgentAreNamed() throws Exception {
        CliRun bad = CliRun.wardctl("monitor", "--socket", tmp.resolve("none.sock").toString(), "--verdict", "denied");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("filter verdict 'denied'") && bad.err().contains("forwarded"), bad.err());
        CliRun port = CliRun.wardctl("monitor", "--socket", tmp.resolve("none.sock").toString(), "--port", "http");
        assertEquals(2, port.exit());
        assertTrue(port.err().contains("filter port 'http'"), port.err());
        CliRun absent = CliRun.wardctl("monitor", "--socket", tmp.resolve("none.sock").toString());
        assertEquals(1, absent.exit());
        assertTrue(absent.err().contains("not reachable at " + tmp.resolve("none.sock")), absent.err());

        agent = FlowsTestAgent.start(tmp, "n1", null, Optional.empty());
        CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.wardctl("monitor", "--socket", socket(), "--timeout", "20s"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (agent.hub().readers() < 1 && System.nanoTime() < deadline) Thread.sleep(20);
        agent.close();
        agent = null;
        CliRun ended = run.get(30, TimeUnit.SECONDS);
        assertEquals(1, ended.exit(), ended.out());
        assertTrue(ended.err().contains("the agent ended the stream after 0 flows"), ended.err());
    }
}
