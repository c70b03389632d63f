package dev.ward.dnsproxy.net;

import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.proxy.ProxySettings;
import dev.ward.dnsproxy.testing.AgentSide;
import dev.ward.dnsproxy.testing.NetnsTopology;
import dev.ward.dnsproxy.testing.PodClient;
import dev.ward.dnsproxy.testing.RecordingDatapath;
import dev.ward.dnsproxy.testing.TestPolicies;
import dev.ward.testbed.UnboundServer;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Protocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy on this host's kernel: pods' port-53 traffic to the real server's address reaches the proxy through
 * nftables TPROXY in the node namespace (original destination from IP_RECVORIGDSTADDR / the accepted socket), goes
 * to that server (a real unbound), and comes back from the server's own address. The datapath confirms deltas only
 * after 150 ms, so an answer released before its addresses were allowed would be caught at the pod.
 */
class TransparentProxyTest {
    static final String POLICY = TestPolicies.CLIENT_DNS;
    static final Duration DATAPATH_DELAY = Duration.ofMillis(150);

    @TempDir
    static Path dir;
    static NetnsTopology net;
    static UnboundServer unbound;
    static AgentSide agent;
    static DnsProxy proxy;
    static PodClient podA;

    @BeforeAll
    static void up() throws Exception {
        net = NetnsTopology.create();
        unbound = UnboundServer.start(net.dns, NetnsTopology.DNS, dir.resolve("unbound"), List.of(
                "www.allowed.test. 300 IN A 198.51.100.10",
                "v6.allowed.test. 300 IN AAAA 2001:db8::10",
                "alias.allowed.test. 300 IN CNAME target.cdn.test.",
                "target.cdn.test. 30 IN A 198.51.100.20",
                "evil.test. 300 IN A 203.0.113.66"));
        agent = new AgentSide(new RecordingDatapath().delay(DATAPATH_DELAY), dir.resolve("fqdn.jsonl"),
                EngineFqdnLearner.Settings.DEFAULT, OpenConnections.NONE);
        Identity a = AgentSide.pod(300, "app=client");
        agent.setUp(POLICY, List.of(a), List.of(new AgentSide.EndpointSpec("default/client-a", a, List.of(InetAddress.getByName(NetnsTopology.POD_A)))));
        proxy = agent.serve(net.node, ProxySettings.DEFAULT);
        net.redirect(proxy.port());
        podA = new PodClient(net.pod, NetnsTopology.POD_A);
    }

    @AfterAll
    static void down() {
        if (agent != null) agent.close();
        if (unbound != null) unbound.close();
        if (net != null) net.close();
    }

    @Test
    void anAllowedNameIsAnsweredFromTheServerAskedOnlyOnceItsAddressIsAllowed() throws Exception {
        InetAddress ip = InetAddress.getByName("198.51.100.10");
        assertFalse(agent.datapath.allows("default/client-a", ip, Protocol.TCP, 443), "not allowed before any lookup");
        long sent = System.nanoTime();
        PodClient.Answer ans = podA.udp(NetnsTopology.DNS, PodClient.query("www.allowed.test", Type.A));
        assertNotNull(ans, "no answer");
        // Checked as the pod holds the answer: a connection it starts now must pass.
        assertTrue(agent.datapath.allows("default/client-a", ip, Protocol.TCP, 443), "answer released before the datapath allowed its address");
        assertTrue(ans.receivedNanos() - sent >= DATAPATH_DELAY.toNanos(), "the answer did not wait for the datapath");
        assertEquals(new InetSocketAddress(NetnsTopology.DNS, 53), ans.from(), "the answer must come from the server the pod asked");
        assertEquals(Rcode.NOERROR, ans.message().getRcode());
        assertEquals(List.of(ip), addresses(ans, Type.A));
        assertTrue(unbound.logged("www.allowed.test"), "the real server answered it");
        assertFalse(agent.datapath.allows("default/client-a", ip, Protocol.TCP, 80), "only the port toFQDNs names");
    }

    @Test
    void aNameNoRuleAdmitsIsRefusedAndNeverReachesTheServer() {
        long before = unbound.queries();
        PodClient.Answer ans = podA.udp(NetnsTopology.DNS, PodClient.query("evil.test", Type.A));
        assertNotNull(ans);
        assertEquals(Rcode.REFUSED, ans.message().getRcode());
        assertEquals(new InetSocketAddress(NetnsTopology.DNS, 53), ans.from());
        assertEquals(before, unbound.queries(), "a refused query reached the server");
        assertFalse(unbound.logged("evil.test"));
        assertFalse(agent.datapath.hostAddresses().contains(address("203.0.113.66")));
        DnsEvent q = event(DnsEvent.Kind.QUERY, "evil.test");
        assertEquals("refused", q.verdict());
        assertEquals("default/client-a", q.endpoint());
        assertEquals("CiliumNetworkPolicy/default/dns spec.egress[0]", q.rule());
        assertEquals(53, q.serverPort(), "the event carries the flow's ports");
        assertTrue(q.sourcePort() > 0, "the pod's port: " + q.sourcePort());
    }

    @Test
    void addressesBehindACnameChainAreLearnedForTheNameAsked() throws Exception {
        PodClient.Answer ans = podA.udp(NetnsTopology.DNS, PodClient.query("alias.allowed.test", Type.A));
        assertNotNull(ans);
        assertTrue(ans.message().getSection(Section.ANSWER).stream().anyMatch(r -> r instanceof CNAMERecord), ans.message().toString());
        InetAddress target = InetAddress.getByName("198.51.100.20");
        assertEquals(List.of(target), addresses(ans, Type.A));
        assertTrue(agent.datapath.allows("default/client-a", target, Protocol.TCP, 443));
        DnsEvent a = event(DnsEvent.Kind.ANSWER, "alias.allowed.test");
        assertEquals(List.of(target), a.addresses());
        assertEquals(List.of("target.cdn.test"), a.cnames());
        assertEquals(30, a.ttlSeconds(), "the smallest TTL along the chain");
        assertEquals("matchPattern:*.allowed.test", a.pattern());
    }

    @Test
    void tcpQueriesAreTransparentToo() throws Exception {
        InetAddress v6 = InetAddress.getByName("2001:db8::10");
        PodClient.Answer ans = podA.tcp(NetnsTopology.DNS, PodClient.query("v6.allowed.test", Type.AAAA));
        assertEquals(new InetSocketAddress(NetnsTopology.DNS, 53), ans.from());
        assertEquals(List.of(v6), addresses(ans, Type.AAAA));
        assertTrue(agent.datapath.allows("default/client-a", v6, Protocol.TCP, 443));
        assertEquals("tcp", event(DnsEvent.Kind.ANSWER, "v6.allowed.test").transport());
    }

    static List<InetAddress> addresses(PodClient.Answer a, int type) {
        return a.message().getSection(Section.ANSWER).stream().filter(r -> r.getType() == type)
                .map(r -> r instanceof ARecord ar ? ar.getAddress() : ((AAAARecord) r).getAddress()).toList();
    }

    static DnsEvent event(DnsEvent.Kind kind, String name) {
        return agent.events.stream().filter(e -> e.kind() == kind && e.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " event for " + name + " in " + agent.events));
    }

    static InetAddress address(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

}
