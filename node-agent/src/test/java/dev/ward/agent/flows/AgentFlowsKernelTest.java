package dev.ward.agent.flows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agent.flows.log.FlowLogConfig;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.AgentStream;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.FlowFilter;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.lab.Traffic;
import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.l7proxy.access.L7ProxyMetrics;
import dev.ward.policy.identity.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.ward.bpf.TestPolicies.STAR_WARS_RULE1;
import static dev.ward.bpf.TestPolicies.policy;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The agent's flow visibility on real traffic through the BPF datapath on this host's kernel: the seed's Star Wars
 * rule1 (only org=empire reaches the deathstar on 80/TCP) enforced on three pods; the agent reads the ring buffer,
 * labels the flows from its engine's identities, follows them on its socket, writes them to its flow log, and its
 * Prometheus endpoint shows the datapath's counters and maps.
 */
class AgentFlowsKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private PodLab lab;
    private FlowsTestAgent agent;
    private Pod tiefighter;
    private Pod xwing;
    private Pod deathstar;

    @BeforeEach
    void start() {
        lab = PodLab.create(3);
        PolicyWorld world = new PolicyWorld(lab);
        tiefighter = lab.pod(1);
        xwing = lab.pod(2);
        deathstar = lab.pod(3);
        List<Identity> ids = List.of(world.endpoint(1, 1001, "org=empire,class=tiefighter"), world.endpoint(2, 1002, "org=alliance,class=xwing"),
                world.endpoint(3, 1003, "org=empire,class=deathstar"));
        world.upsert(policy(STAR_WARS_RULE1));
        agent = FlowsTestAgent.start(tmp, "n1", lab.datapath(), Optional.of(new FlowLogConfig(tmp.resolve("log/flows.jsonl"), 1 << 20, 3)));
        ids.forEach(agent::identity);
    }

    @AfterEach
    void stop() {
        if (agent != null) agent.close();
        if (lab != null) lab.close();
    }

    private AgentStream follow(FlowFilter filter, int last) throws Exception {
        return new AgentClient(agent.socket(), Duration.ofSeconds(5)).stream(new ApiRequest.FollowFlows(filter, last));
    }

    private static Flow next(AgentStream s) throws Exception {
        ApiResponse r = s.next();
        if (r instanceof ApiResponse.HistoryEnd) r = s.next();
        if (r instanceof ApiResponse.Flow f) return FlowJson.fromJson(f.flow());
        throw new AssertionError("expected a flow, got " + r);
    }

    private static FlowFilter filter(List<String> verdicts, List<String> to, List<String> ports) {
        return new FlowFilter(null, verdicts, null, null, null, null, to, ports, null, null, null);
    }

    @Test
    void deniedAndAllowedFlowsReachTheMonitorAndTheLogWithLabelsReasonAndRule() throws Exception {
        Instant before = Instant.now();
        try (AutoCloseable server = Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80)) {
            assertTrue(Traffic.tcpConnects(tiefighter, deathstar.ipv4(), 80), "org=empire reaches the deathstar on 80");
            assertFalse(Traffic.tcpConnects(xwing, deathstar.ipv4(), 80), "org=alliance does not");
        }
        Instant after = Instant.now();

        try (AgentStream s = follow(filter(List.of("dropped"), List.of(deathstar.ipv4().getHostAddress()), List.of()), 100)) {
            Flow drop = next(s);
            assertEquals(FlowType.L3L4, drop.type());
            assertEquals(FlowVerdict.DROPPED, drop.verdict());
            assertEquals(dev.ward.policy.model.Direction.INGRESS, drop.direction());
            assertEquals("policy_default_deny", drop.reason());
            assertEquals(List.of(), drop.rules(), "no rule allows it: the default decided");
            assertEquals("TCP", drop.protocol());
            assertEquals(xwing.ipv4(), drop.source().address());
            assertTrue(drop.source().port() > 0);
            assertEquals(1002, drop.source().identity());
            assertTrue(drop.source().labels().containsAll(List.of("k8s:org=alliance", "k8s:class=xwing")), drop.source().labels().toString());
            assertEquals(deathstar.ipv4(), drop.destination().address());
            assertEquals(80, drop.destination().port());
            assertEquals(1003, drop.destination().identity());
            assertTrue(drop.destination().labels().contains("k8s:class=deathstar"), drop.destination().labels().toString());
            assertEquals(deathstar.name(), drop.destination().endpoint(), "the endpoint the datapath judged for");
            assertEquals("n1", drop.node());
            assertFalse(drop.time().isBefore(before.minusMillis(50)) || drop.time().isAfter(after.plusMillis(50)),
                    "the kernel's stamp in wall-clock time: " + drop.time() + " not within " + before + ".." + after);
        }

        Path log = tmp.resolve("log/flows.jsonl");
        JsonNode allowed = awaitLine(log, n -> n.get("verdict").asText().equals("forwarded") && n.get("direction").asText().equals("ingress")
                && n.get("destination").path("port").asInt() == 80);
        assertEquals(List.of("CiliumNetworkPolicy/default/rule1 spec.ingress[0]"), List.of(allowed.get("rules").get(0).asText()));
        assertEquals(1001, allowed.get("source").get("identity").asInt());
        assertTrue(allowed.get("source").get("labels").toString().contains("k8s:class=tiefighter"), allowed.toString());
        assertEquals("new", allowed.get("l3l4").get("state").asText());
        awaitLine(log, n -> n.get("verdict").asText().equals("dropped") && n.get("source").get("identity").asInt() == 1002);
    }

    @Test
    void aFollowerSeesNewFlowsLiveAndOnlyThoseItsFilterAsksFor() throws Exception {
        try (AgentStream s = follow(filter(List.of(), List.of(), List.of("443")), 0);
             AutoCloseable web = Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80);
             AutoCloseable tls = Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 443)) {
            awaitFollower();
            assertTrue(Traffic.tcpConnects(tiefighter, deathstar.ipv4(), 80));
            assertFalse(Traffic.tcpConnects(xwing, deathstar.ipv4(), 443), "no rule allows 443");
            // The x-wing's egress lets the SYN out (its egress is not enforced), the deathstar's ingress drops it.
            Flow out = next(s);
            assertEquals(443, out.destination().port(), "flows to 80 are not this follower's");
            assertEquals(FlowVerdict.FORWARDED, out.verdict());
            assertEquals(dev.ward.policy.model.Direction.EGRESS, out.direction());
            assertEquals(xwing.name(), out.source().endpoint());
            Flow in = next(s);
            assertEquals(443, in.destination().port());
            assertEquals(FlowVerdict.DROPPED, in.verdict());
            assertEquals(dev.ward.policy.model.Direction.INGRESS, in.direction());
            assertEquals(1002, in.source().identity());
            assertEquals(out.source().port(), in.source().port(), "one flow, seen leaving and arriving");
        }
    }

    @Test
    void thePrometheusEndpointShowsTheDatapathsCountersMapsRevisionLatencyAndTheProxiesMetrics() throws Exception {
        // The DNS and L7 proxies register into the agent's registry, as the agent will wire them.
        DnsProxyMetrics dns = new DnsProxyMetrics(agent.registry(), () -> 7);
        L7ProxyMetrics l7 = new L7ProxyMetrics(agent.registry());
        dns.answered("refused", "REFUSED");
        l7.request("http", false);
        Exposition empty = Exposition.parse(agent.scrape());
        double droppedBefore = empty.value("ward_datapath_dropped_packets_total", "direction", "ingress", "reason", "policy_default_deny");
        try (AutoCloseable server = Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80)) {
            assertTrue(Traffic.tcpConnects(tiefighter, deathstar.ipv4(), 80));
            for (int i = 0; i < 3; i++) assertFalse(Traffic.tcpConnects(xwing, deathstar.ipv4(), 80));
        }
        awaitFlows(4);
        Exposition m = Exposition.parse(agent.scrape());
        // A refused SYN is sent again by the kernel: at least one drop per attempt.
        assertTrue(m.value("ward_datapath_dropped_packets_total", "direction", "ingress", "reason", "policy_default_deny") >= droppedBefore + 3, agentText(m));
        assertTrue(m.value("ward_datapath_dropped_bytes_total", "direction", "ingress", "reason", "policy_default_deny") >= 3 * 40);
        assertTrue(m.value("ward_datapath_forwarded_packets_total", "direction", "ingress") >= 3, "the allowed handshake");
        assertTrue(m.value("ward_datapath_forwarded_packets_total", "direction", "egress") >= 3);
        assertEquals(0, m.value("ward_datapath_dropped_packets_total", "direction", "egress", "reason", "policy_deny"));
        assertEquals(3, m.value("ward_datapath_map_entries", "map", "ward_endpoints"));
        assertEquals(1024, m.value("ward_datapath_map_capacity", "map", "ward_endpoints"));
        assertEquals(6, m.value("ward_datapath_map_entries", "map", "ward_ipcache"), "three pods, v4 and v6");
        int deathstarId = lab.datapath().endpoint(deathstar.name()).endpointId();
        assertTrue(m.value("ward_datapath_map_entries", "map", "ward_pol_" + deathstarId) >= 1);
        assertTrue(m.value("ward_policy_revision") >= 3, "three identities entered the engine");
        assertTrue(m.value("ward_datapath_update_seconds_count", "call", "delta") >= 3);
        assertEquals(1, m.value("ward_datapath_update_seconds_count", "call", "reconcile"), "the endpoints' start reconciles once");
        assertTrue(m.value("ward_flow_events_total", "type", "l3l4") >= 4);
        assertEquals(0, m.value("ward_flow_events_lost_total", "stage", "ringbuf"));
        assertEquals(0, m.value("ward_flow_events_lost_total", "stage", "hub"));
        assertEquals(0, m.value("ward_flow_events_lost_total", "stage", "flowlog"));
        assertEquals(1, m.value("ward_dns_queries_total", "rcode", "REFUSED", "verdict", "refused"));
        assertEquals(7, m.value("ward_dns_fqdn_cache_entries"));
        assertEquals(1, m.value("ward_l7_requests_total", "parser", "http", "verdict", "denied"));
    }

    private static String agentText(Exposition m) {
        return m.samples().stream().filter(s -> s.name().startsWith("ward_datapath")).toList().toString();
    }

    private void awaitFollower() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (agent.hub().readers() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(2, agent.hub().readers(), "the flow log and the follower read the hub");
    }

    private void awaitFlows(long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (agent.hub().seen(FlowType.L3L4) < n && System.nanoTime() < deadline) Thread.sleep(20);
    }

    private static JsonNode awaitLine(Path file, java.util.function.Predicate<JsonNode> wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<JsonNode> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            seen.clear();
            if (Files.exists(file)) for (String line : Files.readAllLines(file)) seen.add(JSON.readTree(line));
            for (JsonNode n : seen) if (wanted.test(n)) return n;
            Thread.sleep(100);
        }
        throw new AssertionError("no such line in " + file + ": " + seen);
    }
}
