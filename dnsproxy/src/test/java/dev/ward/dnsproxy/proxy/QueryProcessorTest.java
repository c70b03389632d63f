package dev.ward.dnsproxy.proxy;

import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.testing.AgentSide;
import dev.ward.dnsproxy.testing.FakeUpstream;
import dev.ward.dnsproxy.testing.RecordingDatapath;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Protocol;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The query pipeline with a real engine, a recording datapath and an in-process upstream: every fail-closed path. */
class QueryProcessorTest {
    static final String POLICY = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: dns, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              egress:
              - toCIDR: [10.53.0.10/32]
                toPorts:
                - ports: [{port: "53", protocol: UDP}]
                  rules:
                    dns: [{matchPattern: "*.allowed.test"}, {matchName: "exact.other.test"}]
              - toCIDR: [10.53.0.20/32]
                toPorts: [{ports: [{port: "53", protocol: UDP}]}]
              - toFQDNs: [{matchPattern: "*.allowed.test"}, {matchName: "exact.other.test"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            """;
    static final InetSocketAddress POD = new InetSocketAddress("10.244.1.5", 40000);
    static final InetSocketAddress DNS = new InetSocketAddress("10.53.0.10", 53);
    static final InetSocketAddress PLAIN_DNS = new InetSocketAddress("10.53.0.20", 53);
    static final InetSocketAddress OTHER_DNS = new InetSocketAddress("10.53.0.30", 53);

    AgentSide agent;
    RecordingDatapath datapath;
    FakeUpstream upstream;
    QueryProcessor processor;

    @BeforeEach
    void setUp() throws Exception {
        datapath = new RecordingDatapath();
        agent = new AgentSide(datapath, null, EngineFqdnLearner.Settings.DEFAULT, OpenConnections.NONE);
        Identity client = AgentSide.pod(300, "app=client");
        agent.setUp(POLICY, List.of(client), List.of(new AgentSide.EndpointSpec("default/client", client, List.of(POD.getAddress()))));
        upstream = new FakeUpstream(q -> FakeUpstream.answer(q, a(q.name(), "192.0.2.1")));
        processor = processor(ProxySettings.DEFAULT.withTimeouts(Duration.ofMillis(300), Duration.ofMillis(200)));
    }

    QueryProcessor processor(ProxySettings s) {
        return new QueryProcessor(agent.host.rules(), upstream, agent.host.learner(), agent.events::add, agent.metrics, s, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        agent.close();
    }

    static Record a(Name owner, String ip) {
        try {
            return new ARecord(owner, DClass.IN, 120, InetAddress.getByName(ip));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] query(String name) throws Exception {
        return Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, DClass.IN)).toWire();
    }

    Message ask(QueryProcessor p, InetSocketAddress from, InetSocketAddress server, byte[] wire) throws Exception {
        Reply r = p.handle(new QueryOrigin(from, server, Transport.UDP), wire).get();
        return r == null ? null : new Message(r.wire());
    }

    Message ask(String name) throws Exception {
        return ask(processor, POD, DNS, query(name));
    }

    double counter(String name, String... labels) {
        for (MetricSnapshot s : agent.registry.scrape()) {
            if (!s.getMetadata().getName().equals(name) || !(s instanceof CounterSnapshot c)) continue;
            for (CounterSnapshot.CounterDataPointSnapshot d : c.getDataPoints()) {
                boolean match = true;
                for (int i = 0; i < labels.length; i += 2) match &= labels[i + 1].equals(d.getLabels().get(labels[i]));
                if (match) return d.getValue();
            }
        }
        return 0;
    }

    /** Host identities in the ipcache other than the policy's own /32 CIDRs (the DNS servers). */
    List<InetAddress> learned() {
        return datapath.hostAddresses().stream().filter(a -> !a.getHostAddress().startsWith("10.53.")).toList();
    }

    boolean allowed(String ip) throws Exception {
        return datapath.allows("default/client", InetAddress.getByName(ip), Protocol.TCP, 443);
    }

    @Test
    void anAdmittedNameIsForwardedAndItsAddressAllowedBeforeTheAnswer() throws Exception {
        Message m = ask("www.allowed.test");
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertTrue(allowed("192.0.2.1"));
        assertEquals(1, counter("ward_dns_queries", "verdict", "allowed", "rcode", "NOERROR"));
        assertEquals(1, upstream.asked.size());
    }

    @Test
    void exactNamesAndPatternsBothComeFromThePolicyMatcher() throws Exception {
        assertEquals(Rcode.NOERROR, ask("EXACT.other.test").getRcode());
        assertEquals(Rcode.REFUSED, ask("sub.exact.other.test").getRcode());
        assertEquals(Rcode.REFUSED, ask("allowed.test").getRcode(), "'*.allowed.test' needs a label before it");
        assertEquals(Rcode.REFUSED, ask("a.b.allowed.test").getRcode(), "'*' stays inside one label");
    }

    @Test
    void aRefusedNameNeverReachesUpstreamAndCanBeAnsweredNxdomain() throws Exception {
        assertEquals(Rcode.REFUSED, ask("evil.test").getRcode());
        QueryProcessor nx = processor(ProxySettings.DEFAULT.withRefusalRcode(Rcode.NXDOMAIN));
        assertEquals(Rcode.NXDOMAIN, ask(nx, POD, DNS, query("evil.test")).getRcode());
        assertEquals(0, upstream.asked.size());
        assertEquals(List.of(), learned(), "nothing learned");
    }

    @Test
    void unknownSourcesAndDeniedServersAreRefusedWithoutUpstream() throws Exception {
        assertEquals(Rcode.REFUSED, ask(processor, new InetSocketAddress("10.244.9.9", 1234), DNS, query("www.allowed.test")).getRcode());
        assertEquals(Rcode.REFUSED, ask(processor, POD, OTHER_DNS, query("www.allowed.test")).getRcode());
        assertEquals(0, upstream.asked.size());
        assertEquals("unknown_endpoint", agent.events.stream().filter(e -> e.kind() == DnsEvent.Kind.QUERY).findFirst().orElseThrow().verdict());
    }

    @Test
    void aServerAllowedAtL4WithoutDnsRulesIsForwardedButTeachesNothing() throws Exception {
        int before = datapath.applied().size();
        Message m = ask(processor, POD, PLAIN_DNS, query("www.allowed.test"));
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertEquals(before, datapath.applied().size(), "no learning without DNS rules (as toFQDNs requires)");
        assertFalse(allowed("192.0.2.1"));
    }

    @Test
    void aDatapathThatNeverConfirmsGetsServfailNotTheAnswer() throws Exception {
        datapath.hold(true);
        long t0 = System.nanoTime();
        Message m = ask("slow.allowed.test");
        assertEquals(Rcode.SERVFAIL, m.getRcode());
        assertTrue(m.getSection(org.xbill.DNS.Section.ANSWER).isEmpty(), "the addresses must not reach the pod");
        assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(200).toNanos());
        assertEquals(1, counter("ward_dns_datapath_failures", "reason", "timeout"));
        assertEquals("datapath timeout: answer withheld", agent.events.stream()
                .filter(e -> e.kind() == DnsEvent.Kind.ANSWER).findFirst().orElseThrow().note());
    }

    @Test
    void anAnswerNeverConfirmedByTheDatapathNeverTakesTheFastPath() throws Exception {
        datapath.hold(true);
        assertEquals(Rcode.SERVFAIL, ask("www.allowed.test").getRcode());
        // Same name, same address: the engine has nothing new, but nothing confirmed it either.
        assertEquals(Rcode.SERVFAIL, ask("www.allowed.test").getRcode());
        assertEquals(2, counter("ward_dns_datapath_failures", "reason", "timeout"));
    }

    @Test
    void aRepeatedConfirmedAnswerIsReleasedWithoutWaitingButANewAddressWaits() throws Exception {
        assertEquals(Rcode.NOERROR, ask("www.allowed.test").getRcode());
        datapath.hold(true);
        assertEquals(Rcode.NOERROR, ask("www.allowed.test").getRcode(), "the maps already hold this address");
        upstream.behave(q -> FakeUpstream.answer(q, a(q.name(), "192.0.2.1"), a(q.name(), "192.0.2.99")));
        assertEquals(Rcode.SERVFAIL, ask("www.allowed.test").getRcode(), "a new address must wait for the datapath");
        assertFalse(allowed("192.0.2.99"));
    }

    @Test
    void upstreamTimeoutsAndBadAnswersGetServfailAndTeachNothing() throws Exception {
        upstream.behave(q -> CompletableFuture.supplyAsync(() -> {
            throw new UpstreamFailure("timeout", "no answer");
        }, CompletableFuture.delayedExecutor(300, java.util.concurrent.TimeUnit.MILLISECONDS)));
        assertEquals(Rcode.SERVFAIL, ask("a.allowed.test").getRcode());
        upstream.behave(q -> FakeUpstream.bytes(q, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
        assertEquals(Rcode.SERVFAIL, ask("b.allowed.test").getRcode());
        assertEquals(2, counter("ward_dns_upstream_failures", "reason", "timeout"));
        assertEquals(List.of(), learned(), "no address learned");
    }

    @Test
    void recordsOffTheChainAreForwardedButNeverLearned() throws Exception {
        upstream.behave(q -> FakeUpstream.answer(q, a(q.name(), "192.0.2.1"), a(name("bank.example.org."), "203.0.113.9")));
        ask("www.allowed.test");
        assertTrue(allowed("192.0.2.1"));
        assertFalse(allowed("203.0.113.9"));
    }

    @Test
    void malformedQueriesAreDroppedAndCounted() throws Exception {
        byte[] w = query("www.allowed.test");
        assertNull(ask(processor, POD, DNS, java.util.Arrays.copyOf(w, 7)));
        assertNull(ask(processor, POD, DNS, java.util.Arrays.copyOf(w, w.length - 2)));
        assertNull(ask(processor, POD, DNS, new byte[5000]));
        assertEquals(1, counter("ward_dns_rejected_messages", "reason", "truncated"));
        assertEquals(1, counter("ward_dns_rejected_messages", "reason", "malformed"));
        assertEquals(1, counter("ward_dns_rejected_messages", "reason", "oversized"));
        assertEquals(0, upstream.asked.size());
    }

    @Test
    void aFloodFromOnePodIsCutWhileOthersAreServed() throws Exception {
        Identity other = AgentSide.pod(301, "app=client,role=b");
        InetSocketAddress pod2 = new InetSocketAddress("10.244.1.6", 40000);
        agent.setUp("", List.of(other), List.of(new AgentSide.EndpointSpec("default/client-b", other, List.of(pod2.getAddress()))));
        QueryProcessor limited = processor(ProxySettings.DEFAULT.withRateLimit(50, 100));
        int answered = 0;
        for (int i = 0; i < 1000; i++) if (ask(limited, POD, DNS, query("www.allowed.test")) != null) answered++;
        assertTrue(answered >= 100 && answered < 200, "answered " + answered + " of a burst of 1000 with burst 100, 50/s");
        assertTrue(counter("ward_dns_rate_limited") >= 800);
        assertNotNull(ask(limited, pod2, DNS, query("www.allowed.test")), "another pod is unaffected");
    }

    static Name name(String s) {
        try {
            return Name.fromString(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
