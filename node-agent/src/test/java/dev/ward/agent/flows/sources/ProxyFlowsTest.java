package dev.ward.agent.flows.sources;

import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowDetail;
import dev.ward.agent.flows.FlowJson;
import dev.ward.agent.flows.FlowType;
import dev.ward.agent.flows.FlowVerdict;
import dev.ward.agent.flows.FlowsTestAgent;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.AgentStream;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.FlowFilter;
import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The DNS and L7 proxies' events, as their own classes make them, through the adapters the proxies will be given,
 * into a running agent's hub and out of its socket: labelled from the agent's engine, their verdicts and reasons
 * in the flow model's words.
 */
class ProxyFlowsTest {
    @TempDir
    Path tmp;

    private FlowsTestAgent agent;

    @BeforeEach
    void start() {
        agent = FlowsTestAgent.start(tmp, "n1", null, Optional.empty());
        agent.identity(Identity.of(1001, LabelSet.parse("k8s:org=empire,k8s:class=tiefighter", "k8s")));
        agent.identity(Identity.of(1003, LabelSet.parse("k8s:org=empire,k8s:class=deathstar", "k8s")));
    }

    @AfterEach
    void stop() {
        if (agent != null) agent.close();
    }

    private List<Flow> follow(String type, int n) throws Exception {
        try (AgentStream s = new AgentClient(agent.socket(), Duration.ofSeconds(5)).stream(new ApiRequest.FollowFlows(
                new FlowFilter(List.of(type), null, null, null, null, null, null, null, null, null, null), 100))) {
            List<Flow> out = new java.util.ArrayList<>();
            while (out.size() < n) {
                ApiResponse r = s.next();
                if (!(r instanceof ApiResponse.HistoryEnd)) out.add(FlowJson.fromJson(((ApiResponse.Flow) r).flow()));
            }
            return out;
        }
    }

    /** Waits until the hub has {@code n} readers: the followers of closed streams gone, or a new one subscribed. */
    private void awaitReaders(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (agent.hub().readers() != n && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(n, agent.hub().readers(), "readers of the agent's flows");
    }

    private DnsEvent query(String name, int port) {
        return new DnsEvent(DnsEvent.Kind.QUERY, Instant.parse("2026-03-01T10:00:00Z"), "default/tiefighter", 1001, IpPrefix.address("10.244.1.5"),
                IpPrefix.address("10.96.0.10"), 2, "udp", name, "A", "refused", null, null, null, null, null, 0, 0, null, port, 53);
    }

    @Test
    void aFollowerAskingForRecentFlowsIsToldWhereTheHistoryEndsAndTheLiveFlowsBegin() throws Exception {
        DnsFlows dns = new DnsFlows("n1", agent.hub());
        int readers = agent.hub().readers();
        for (int i = 1; i <= 3; i++) dns.onEvent(query("old" + i + ".example", 40000 + i));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (agent.hub().seen(FlowType.DNS) < 3 && System.nanoTime() < deadline) Thread.sleep(10);
        FlowFilter onlyDns = new FlowFilter(List.of("dns"), null, null, null, null, null, null, null, null, null, null);
        try (AgentStream s = new AgentClient(agent.socket(), Duration.ofSeconds(5)).stream(new ApiRequest.FollowFlows(onlyDns, 2))) {
            assertTrue(s.next() instanceof ApiResponse.Flow a && a.flow().toString().contains("old2.example"));
            assertTrue(s.next() instanceof ApiResponse.Flow b && b.flow().toString().contains("old3.example"));
            assertEquals(new ApiResponse.HistoryEnd(2), s.next());
            dns.onEvent(query("live.example", 40010));
            assertTrue(s.next() instanceof ApiResponse.Flow c && c.flow().toString().contains("live.example"));
        }
        FlowFilter none = new FlowFilter(List.of("l7"), null, null, null, null, null, null, null, null, null, null);
        try (AgentStream s = new AgentClient(agent.socket(), Duration.ofSeconds(5)).stream(new ApiRequest.FollowFlows(none, 10))) {
            assertEquals(new ApiResponse.HistoryEnd(0), s.next(), "an empty history ends at once");
        }
        awaitReaders(readers);
        try (AgentStream s = new AgentClient(agent.socket(), Duration.ofSeconds(5)).stream(new ApiRequest.FollowFlows(onlyDns, 0))) {
            // Nothing comes back before a live flow: publish it only once the agent follows for this client.
            awaitReaders(readers + 1);
            dns.onEvent(query("live2.example", 40011));
            assertTrue(s.next() instanceof ApiResponse.Flow d && d.flow().toString().contains("live2.example"),
                    "a follower that asked for no history gets no history-end");
        }
    }

    @Test
    void dnsQueriesAndAnswersBecomeDnsFlows() throws Exception {
        DnsFlows dns = new DnsFlows("n1", agent.hub());
        Instant t = Instant.parse("2026-03-01T10:00:00Z");
        dns.onEvent(new DnsEvent(DnsEvent.Kind.QUERY, t, "default/tiefighter", 1001, IpPrefix.address("10.244.1.5"), IpPrefix.address("10.96.0.10"),
                2, "udp", "evil.example", "A", "refused", "CiliumNetworkPolicy/default/dns spec.egress[0]", null, null, null, null, 0, 0, null,
                40001, 53));
        dns.onEvent(new DnsEvent(DnsEvent.Kind.ANSWER, t, "default/tiefighter", 1001, IpPrefix.address("10.244.1.5"), IpPrefix.address("10.96.0.10"),
                2, "udp", "api.example.com", "A", "allowed", "CiliumNetworkPolicy/default/dns spec.egress[0]", "matchPattern:*.example.com",
                "NOERROR", List.of(IpPrefix.address("192.0.2.1")), List.of("edge.cdn.test"), 60, 812, null, 40002, 53));
        dns.onEvent(new DnsEvent(DnsEvent.Kind.ANSWER, t, "default/tiefighter", 1001, IpPrefix.address("10.244.1.5"), IpPrefix.address("10.96.0.10"),
                2, "tcp", "slow.example.com", "AAAA", "allowed", null, null, "SERVFAIL", null, null, 0, 2_000_000, "upstream timeout: no answer",
                40003, 53));
        List<Flow> flows = follow("dns", 3);

        Flow refused = flows.get(0);
        assertEquals(FlowType.DNS, refused.type());
        assertEquals(FlowVerdict.DROPPED, refused.verdict());
        assertEquals("dns_refused", refused.reason());
        assertEquals(Direction.EGRESS, refused.direction());
        assertEquals("UDP", refused.protocol());
        assertEquals(40001, refused.source().port());
        assertEquals(53, refused.destination().port());
        assertEquals("default/tiefighter", refused.source().endpoint());
        assertTrue(refused.source().labels().contains("k8s:class=tiefighter"), refused.source().labels().toString());
        assertEquals(List.of("reserved:world"), refused.destination().labels(), "the server's identity, world, from the engine");
        assertEquals(List.of("CiliumNetworkPolicy/default/dns spec.egress[0]"), refused.rules());
        assertEquals("query", ((FlowDetail.Dns) refused.detail()).kind());
        assertEquals("evil.example", ((FlowDetail.Dns) refused.detail()).name());

        Flow answer = flows.get(1);
        assertEquals(FlowVerdict.FORWARDED, answer.verdict());
        assertNull(answer.reason());
        FlowDetail.Dns d = (FlowDetail.Dns) answer.detail();
        assertEquals(List.of("192.0.2.1"), d.addresses());
        assertEquals("NOERROR", d.rcode());
        assertEquals("A", d.qtype());
        assertEquals("matchPattern:*.example.com", d.pattern());

        Flow failed = flows.get(2);
        assertEquals(FlowVerdict.ERROR, failed.verdict(), "an answer the proxy made up is the node failing the pod");
        assertEquals("proxy_error", failed.reason());
        assertEquals("TCP", failed.protocol());
        assertEquals("upstream timeout: no answer", ((FlowDetail.Dns) failed.detail()).note());
    }

    @Test
    void l7RequestsRepliesAndBadInputBecomeL7Flows() throws Exception {
        L7Flows l7 = new L7Flows("n1", agent.hub());
        Instant t = Instant.parse("2026-03-01T10:00:00Z");
        InetSocketAddress client = new InetSocketAddress(IpPrefix.address("10.244.1.5"), 51000);
        InetSocketAddress server = new InetSocketAddress(IpPrefix.address("10.244.1.10"), 80);
        l7.onEvent(new L7AccessEvent(t, 7, Direction.INGRESS, client, server, 1001, 1003, "http", L7AccessEvent.Type.REQUEST,
                L7AccessEvent.Outcome.DENIED, Map.of("method", "PUT", "path", "/v1/exhaust-port"), null, "no rule allows PUT /v1/exhaust-port"));
        l7.onEvent(new L7AccessEvent(t, 7, Direction.INGRESS, client, server, 1001, 1003, "http", L7AccessEvent.Type.REPLY,
                L7AccessEvent.Outcome.DENIED, Map.of("method", "PUT", "path", "/v1/exhaust-port", "status", "403"), null, null));
        l7.onEvent(new L7AccessEvent(t, 7, Direction.INGRESS, client, server, 1001, 1003, "http", L7AccessEvent.Type.REQUEST,
                L7AccessEvent.Outcome.FORWARDED, Map.of("method", "POST", "path", "/v1/request-landing"),
                "CiliumNetworkPolicy/default/rule1 spec.ingress[0]", null));
        l7.onEvent(new L7AccessEvent(t, 8, Direction.INGRESS, client, server, 1001, 1003, "http", L7AccessEvent.Type.ERROR,
                L7AccessEvent.Outcome.ERROR, Map.of(), null, "conflicting Content-Length and Transfer-Encoding"));
        List<Flow> flows = follow("l7", 4);

        Flow denied = flows.get(0);
        assertEquals(FlowVerdict.DROPPED, denied.verdict());
        assertEquals("policy_denied", denied.reason());
        assertEquals(Direction.INGRESS, denied.direction());
        assertEquals(51000, denied.source().port());
        assertTrue(denied.source().labels().contains("k8s:class=tiefighter"));
        assertTrue(denied.destination().labels().contains("k8s:class=deathstar"));
        FlowDetail.L7 d = (FlowDetail.L7) denied.detail();
        assertEquals("http", d.parser());
        assertEquals("request", d.event());
        assertEquals("/v1/exhaust-port", d.fields().get("path"));
        assertEquals("no rule allows PUT /v1/exhaust-port", d.note());
        assertEquals("403", ((FlowDetail.L7) flows.get(1).detail()).status(), "the reply's status");
        assertEquals(FlowVerdict.FORWARDED, flows.get(2).verdict());
        assertEquals(List.of("CiliumNetworkPolicy/default/rule1 spec.ingress[0]"), flows.get(2).rules());
        assertEquals(FlowVerdict.ERROR, flows.get(3).verdict());
        assertEquals("l7_protocol_error", flows.get(3).reason());
    }
}
