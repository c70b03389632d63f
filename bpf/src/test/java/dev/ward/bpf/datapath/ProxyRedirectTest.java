package dev.ward.bpf.datapath;

import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowEventReader;
import dev.ward.bpf.events.FlowReason;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.lab.Traffic;
import dev.ward.bpf.lab.TransparentListener;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import dev.ward.testbed.IpCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static dev.ward.bpf.TestPolicies.cnp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redirect verdicts hand flows to a transparent listener in the node: the packet is assigned to the proxy's
 * socket, marked, and delivered locally by the mark rule; the listener sees the pod as the peer and the
 * original destination as its own address, both for a pod's egress and for its ingress.
 */
class ProxyRedirectTest {
    private static final int EGRESS_PROXY = 15002;
    private static final int INGRESS_PROXY = 15001;
    private static final int DNS_PROXY = 15053;
    private PodLab lab;
    private PolicyWorld world;
    private Pod client;
    private Pod server;

    @BeforeEach
    void lab() {
        lab = PodLab.create(2, c -> c.withProxyPorts((ep, d, type) -> type.equals("dns") ? DNS_PROXY
                : d == Direction.INGRESS ? INGRESS_PROXY : EGRESS_PROXY));
        world = new PolicyWorld(lab);
        client = lab.pod(1);
        server = lab.pod(2);
        world.endpoint(1, 1001, "app=client");
        world.endpoint(2, 1002, "app=server");
        world.upsert(cnp("l7-out", "{endpointSelector: {matchLabels: {app: client}}, egress: [{toEntities: [world], toPorts: [{ports: "
                + "[{port: '80', protocol: TCP}], rules: {http: [{method: GET}]}}]}, {toEntities: [world], toPorts: [{ports: "
                + "[{port: '53', protocol: UDP}], rules: {dns: [{matchPattern: '*'}]}}]}, {toEndpoints: [{}]}]}"));
        world.upsert(cnp("l7-in", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: [{matchLabels: {app: client}}], "
                + "toPorts: [{ports: [{port: '8080', protocol: TCP}], rules: {http: [{method: GET}]}}]}]}"));
    }

    @AfterEach
    void close() {
        lab.close();
    }

    @Test
    void theDatapathInstallsTheMarkRuleAndTheLocalTable() {
        assertTrue(IpCommand.run("-n", lab.node(), "rule", "show").contains("fwmark 0x200/0xf00 lookup 2004"));
        assertTrue(IpCommand.run("-n", lab.node(), "-6", "rule", "show").contains("fwmark 0x200/0xf00 lookup 2004"));
        assertTrue(IpCommand.run("-n", lab.node(), "route", "show", "table", "2004").contains("local default dev lo"));
        assertEquals("0", NetworkNamespace.call(lab.node(), () -> java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/tcp_early_demux")).strip()));
    }

    @Test
    void aPodsEgressToAnAddressNobodyHasReachesTheProxyWithItsOriginalDestination() throws Exception {
        InetAddress nowhere = IpPrefix.address("203.0.113.80");
        try (TransparentListener proxy = TransparentListener.tcp(lab.node(), EGRESS_PROXY)) {
            SocketChannel c = Traffic.connect(client, nowhere, 80, Duration.ofSeconds(2));
            assertNotNull(c, "the redirect delivered the SYN to the proxy and its SYN-ACK came back");
            assertEquals("proxied:GET /", Traffic.request(c, "GET /", 13, Duration.ofSeconds(2)), "the proxy answered");
            c.close();
            List<TransparentListener.Seen> seen = proxy.seen();
            assertEquals(1, seen.size(), seen.toString());
            assertEquals(new InetSocketAddress(nowhere, 80), seen.getFirst().originalDestination());
            assertEquals(client.ipv4(), seen.getFirst().peer().getAddress());
        }
    }

    @Test
    void aPodsIngressIsTurnedBackToTheProxyWhichSeesThePodAsTheDestination() throws Exception {
        try (TransparentListener proxy = TransparentListener.tcp(lab.node(), INGRESS_PROXY);
             AutoCloseable real = Traffic.tcpEchoServer(server, server.ipv4(), 8080)) {
            SocketChannel c = Traffic.connect(client, server.ipv4(), 8080, Duration.ofSeconds(2));
            assertNotNull(c);
            // Every packet of the flow, not only its SYN, must reach the proxy (early demux would strand them).
            assertEquals("proxied:GET /x", Traffic.request(c, "GET /x", 14, Duration.ofSeconds(2)), "the proxy answered, not the server");
            assertEquals("proxied:again", Traffic.request(c, "again", 13, Duration.ofSeconds(2)));
            c.close();
            List<TransparentListener.Seen> seen = proxy.seen();
            assertEquals(1, seen.size(), seen.toString());
            assertEquals(new InetSocketAddress(server.ipv4(), 8080), seen.getFirst().originalDestination());
            assertEquals(client.ipv4(), seen.getFirst().peer().getAddress());
        }
    }

    @Test
    void dnsQueriesReachTheDnsProxyWithTheResolverTheyWereSentTo() throws Exception {
        InetAddress resolver = IpPrefix.address("198.51.100.53");
        try (TransparentListener dns = TransparentListener.udp(lab.node(), DNS_PROXY)) {
            DatagramChannel ch = NetworkNamespace.openIn(client.netns(), () -> {
                try {
                    return DatagramChannel.open(java.net.StandardProtocolFamily.INET);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (ch) {
                ch.send(ByteBuffer.wrap("query".getBytes(StandardCharsets.UTF_8)), new InetSocketAddress(resolver, 53));
                long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (dns.seen().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
            }
            assertEquals(1, dns.seen().size(), "the DNS proxy got the query");
            assertEquals(new InetSocketAddress(resolver, 53), dns.seen().getFirst().originalDestination());
            assertEquals(client.ipv4(), dns.seen().getFirst().peer().getAddress());
        }
    }

    @Test
    void withNoProxyListeningRedirectedFlowsAreDroppedNotLetThrough() throws Exception {
        try (FlowEventReader events = lab.datapath().openEventReader();
             AutoCloseable real = Traffic.tcpEchoServer(server, server.ipv4(), 8080)) {
            assertFalse(Traffic.tcpConnects(client, IpPrefix.address("203.0.113.80"), 80));
            assertFalse(Traffic.tcpConnects(client, server.ipv4(), 8080), "the server must not be reached around its proxy");
            List<FlowEvent> seen = events.drain();
            FlowEvent e = seen.stream().filter(x -> x.reason() == FlowReason.PROXY_UNAVAILABLE && x.direction() == Direction.EGRESS)
                    .findFirst().orElseThrow(() -> new AssertionError(seen.toString()));
            assertEquals(Verdict.Kind.REDIRECT, e.verdict());
            assertEquals(EGRESS_PROXY, e.proxyPort());
            assertTrue(seen.stream().anyMatch(x -> x.reason() == FlowReason.PROXY_UNAVAILABLE && x.direction() == Direction.INGRESS
                    && x.proxyPort() == INGRESS_PROXY), seen.toString());
        }
    }
}
