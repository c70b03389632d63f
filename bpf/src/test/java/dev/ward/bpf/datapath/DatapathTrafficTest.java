package dev.ward.bpf.datapath;

import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowEventReader;
import dev.ward.bpf.events.FlowReason;
import dev.ward.bpf.events.FlowState;
import dev.ward.bpf.lab.FlowEvents;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.lab.Traffic;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static dev.ward.bpf.TestPolicies.cnp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real TCP, UDP and ICMP between pod namespaces through the tc programs on their veths (host kernel). */
class DatapathTrafficTest {
    private PodLab lab;
    private PolicyWorld world;
    private Pod client;
    private Pod server;
    private FlowEventReader events;

    @BeforeEach
    void lab() {
        lab = PodLab.create(2);
        world = new PolicyWorld(lab);
        client = lab.pod(1);
        server = lab.pod(2);
        world.endpoint(1, 1001, "app=client");
        world.endpoint(2, 1002, "app=server");
        events = lab.datapath().openEventReader();
    }

    @AfterEach
    void close() {
        if (events != null) events.close();
        lab.close();
    }

    private static final Policy SERVER_INGRESS = cnp("server-in", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: "
            + "[{matchLabels: {app: client}}], toPorts: [{ports: [{port: '8080', protocol: TCP}, {port: '5353', protocol: UDP}]}]}]}");

    private List<FlowEvent> awaitEvent(Predicate<FlowEvent> wanted) {
        return FlowEvents.await(events, wanted);
    }

    @Test
    void allowedTcpAndUdpPassWithTheirRepliesAndDeniedOnesAreDroppedAndReported() throws Exception {
        world.upsert(SERVER_INGRESS);
        try (AutoCloseable t1 = Traffic.tcpEchoServer(server, server.ipv4(), 8080);
             AutoCloseable t2 = Traffic.tcpEchoServer(server, server.ipv4(), 8081);
             AutoCloseable u1 = Traffic.udpEchoServer(server, server.ipv4(), 5353);
             AutoCloseable u2 = Traffic.udpEchoServer(server, server.ipv4(), 5354)) {
            SocketChannel c = Traffic.connect(client, server.ipv4(), 8080, Duration.ofSeconds(2));
            assertNotNull(c, "allowed TCP connect");
            assertEquals("hello", Traffic.roundTrip(c, "hello", Duration.ofSeconds(2)), "replies of an allowed flow pass");
            c.close();
            assertEquals(Traffic.UdpOutcome.ANSWERED, Traffic.udpRoundTrip(client, server.ipv4(), 5353, Duration.ofSeconds(2)));

            assertFalse(Traffic.tcpConnects(client, server.ipv4(), 8081), "TCP 8081 is not allowed");
            List<FlowEvent> seen = awaitEvent(e -> e.dropped() && e.destinationPort() == 8081);
            FlowEvent drop = seen.stream().filter(e -> e.dropped() && e.destinationPort() == 8081).findFirst().orElseThrow();
            assertEquals(Direction.INGRESS, drop.direction());
            assertEquals(FlowReason.POLICY_DEFAULT_DENY, drop.reason());
            assertEquals(1001, drop.remoteIdentity());
            assertEquals(1002, drop.localIdentity());
            assertEquals(lab.datapath().endpoint(server.name()).endpointId(), drop.endpointId());
            assertEquals(client.ipv4(), drop.source());
            assertEquals(server.ipv4(), drop.destination());
            assertEquals(6, drop.protocol());
            assertEquals(FlowState.NEW, drop.state());

            assertEquals(Traffic.UdpOutcome.NO_ANSWER, Traffic.udpRoundTrip(client, server.ipv4(), 5354, Duration.ofMillis(800)));
            awaitEvent(e -> e.dropped() && e.destinationPort() == 5354 && e.protocol() == 17);

            // The allowed flows were reported as new flows with the rule that allowed them.
            List<FlowEvent> all = new ArrayList<>(seen);
            all.addAll(events.drain());
            FlowEvent allowed = all.stream().filter(e -> !e.dropped() && e.destinationPort() == 8080 && e.direction() == Direction.INGRESS)
                    .findFirst().orElseThrow(() -> new AssertionError("no event for the allowed flow in " + all));
            assertEquals(Verdict.Kind.ALLOW, allowed.verdict());
            assertEquals("CiliumNetworkPolicy/default/server-in spec.ingress[0]",
                    lab.datapath().cookies().rulesOf(allowed.cookie()).iterator().next().getFirst().toString());
        }
        List<MapFill> fill = lab.datapath().fill();
        assertEquals(new MapFill("ward_ipcache", 4, 65536), fill.get(0), "both pods' addresses, v4 and v6");
        assertEquals(new MapFill("ward_endpoints", 2, 1024), fill.get(1));
        assertTrue(fill.contains(new MapFill("ward_pol_" + lab.datapath().endpoint(server.name()).endpointId(), 2, 16384)), fill.toString());
        var counters = lab.datapath().counters();
        assertTrue(counters.get(Direction.INGRESS, FlowReason.POLICY_DEFAULT_DENY).packets() >= 2);
        assertTrue(counters.get(Direction.INGRESS, FlowReason.FORWARDED).packets() >= 4);
        assertTrue(counters.get(Direction.EGRESS, FlowReason.FORWARDED).packets() >= 4);
    }

    @Test
    void ipv6AndIcmpAreJudgedLikeIpv4() throws Exception {
        world.upsert(SERVER_INGRESS);
        try (AutoCloseable t = Traffic.tcpEchoServer(server, server.ipv6(), 8080)) {
            assertTrue(Traffic.tcpConnects(client, server.ipv6(), 8080), "allowed over IPv6");
            assertFalse(Traffic.ping(client, server.ipv4()), "no rule allows ICMP echo to the server");
            awaitEvent(e -> e.dropped() && e.protocol() == 1 && e.icmpType() == 8);
            assertFalse(Traffic.ping(client, server.ipv6()));
            awaitEvent(e -> e.dropped() && e.protocol() == 58 && e.icmpType() == 128);
            world.upsert(cnp("ping", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: [{matchLabels: {app: client}}], "
                    + "icmps: [{fields: [{type: 8, family: IPv4}, {type: EchoRequest, family: IPv6}]}]}]}"));
            assertTrue(Traffic.ping(client, server.ipv4()), "echo allowed: the reply passes as a reply");
            assertTrue(Traffic.ping(client, server.ipv6()));
        }
        // Egress of the server is not enforced: it may open connections to the client.
        try (AutoCloseable t = Traffic.tcpEchoServer(client, client.ipv4(), 9000)) {
            assertTrue(Traffic.tcpConnects(server, client.ipv4(), 9000));
        }
    }

    @Test
    void removingAnAllowCutsItsEstablishedFlowWhileAFlowThatStaysAllowedLosesNothing() throws Exception {
        Policy web = cnp("web", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: [{matchLabels: {app: client}}], "
                + "toPorts: [{ports: [{port: '8080', protocol: TCP}]}]}]}");
        Policy dns = cnp("dns", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: [{matchLabels: {app: client}}], "
                + "toPorts: [{ports: [{port: '8443', protocol: TCP}]}]}]}");
        world.upsert(web);
        world.upsert(dns);
        try (AutoCloseable t1 = Traffic.tcpEchoServer(server, server.ipv4(), 8080);
             AutoCloseable t2 = Traffic.tcpEchoServer(server, server.ipv4(), 8443)) {
            SocketChannel cut = Traffic.connect(client, server.ipv4(), 8080, Duration.ofSeconds(2));
            SocketChannel kept = Traffic.connect(client, server.ipv4(), 8443, Duration.ofSeconds(2));
            assertEquals("before", Traffic.roundTrip(cut, "before", Duration.ofSeconds(2)));
            assertEquals("before", Traffic.roundTrip(kept, "before", Duration.ofSeconds(2)));
            world.delete(web);
            assertNull(Traffic.roundTrip(cut, "after", Duration.ofMillis(1500)), "the removed allow cut the established flow");
            FlowEvent e = awaitEvent(x -> x.dropped() && x.destinationPort() == 8080 && x.state() == FlowState.ESTABLISHED).stream()
                    .filter(x -> x.dropped() && x.destinationPort() == 8080 && x.state() == FlowState.ESTABLISHED).findFirst().orElseThrow();
            assertEquals(FlowReason.POLICY_DEFAULT_DENY, e.reason());
            for (int i = 0; i < 20; i++) assertEquals("still " + i, Traffic.roundTrip(kept, "still " + i, Duration.ofSeconds(2)));
            cut.close();
            kept.close();
        }
    }

    @Test
    void anEstablishedFlowIsCutWhenItsPeersAddressChangesIdentityAndAnUnrelatedWriteCutsNothing() throws Exception {
        world.upsert(SERVER_INGRESS);
        try (AutoCloseable t = Traffic.tcpEchoServer(server, server.ipv4(), 8080)) {
            SocketChannel c = Traffic.connect(client, server.ipv4(), 8080, Duration.ofSeconds(2));
            for (int i = 0; i < 5; i++) assertEquals("warm " + i, Traffic.roundTrip(c, "warm " + i, Duration.ofSeconds(2)));
            // A write that changes no verdict: every flow is judged again and stays allowed.
            lab.datapath().ipcache().upsert(IpPrefix.parse("10.77.0.0/16"), 4242);
            for (int i = 0; i < 5; i++) assertEquals("still " + i, Traffic.roundTrip(c, "still " + i, Duration.ofSeconds(2)));
            // The client's address now belongs to an identity no rule allows: its established flow stops at once.
            lab.datapath().ipcache().upsert(IpPrefix.host(client.ipv4()), 4243);
            assertNull(Traffic.roundTrip(c, "after", Duration.ofMillis(1500)), "the identity change cut the established flow");
            FlowEvent e = awaitEvent(x -> x.dropped() && x.destinationPort() == 8080 && x.state() == FlowState.ESTABLISHED).stream()
                    .filter(x -> x.dropped() && x.destinationPort() == 8080 && x.state() == FlowState.ESTABLISHED).findFirst().orElseThrow();
            assertEquals(4243, e.remoteIdentity());
            c.close();
        }
    }
}
