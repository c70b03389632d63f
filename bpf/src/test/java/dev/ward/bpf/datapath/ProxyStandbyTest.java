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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.ward.bpf.TestPolicies.cnp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standby port of a proxy port (ward_proxy_standby): a pod's DNS redirected to the DNS proxy's port reaches the
 * socket on the standby port, with its original destination, only while nothing listens on the proxy port and only
 * when a standby is registered; otherwise the proxy port's socket gets it, or the flow is dropped.
 */
class ProxyStandbyTest {
    private static final int DNS_PROXY = 15153;
    private static final int STANDBY = 15154;
    private static final InetAddress RESOLVER = IpPrefix.address("198.51.100.53");
    private PodLab lab;
    private Pod client;

    @BeforeEach
    void lab() {
        lab = PodLab.create(1, c -> c.withProxyPorts((ep, d, type) -> type.equals("dns") ? DNS_PROXY : 0));
        PolicyWorld world = new PolicyWorld(lab);
        client = lab.pod(1);
        world.endpoint(1, 1001, "app=client");
        world.upsert(cnp("dns-out", "{endpointSelector: {matchLabels: {app: client}}, egress: [{toEntities: [world], toPorts: [{ports: "
                + "[{port: '53', protocol: ANY}], rules: {dns: [{matchPattern: '*'}]}}]}]}"));
    }

    @AfterEach
    void close() {
        lab.close();
    }

    @Test
    void withNobodyOnTheProxyPortTheStandbyGetsUdpAndTcpDnsWithTheOriginalDestination() throws Exception {
        lab.datapath().setProxyStandby(DNS_PROXY, STANDBY);
        assertEquals(Map.of(DNS_PROXY, STANDBY), lab.datapath().proxyStandbys());
        try (TransparentListener udp = TransparentListener.udp(lab.node(), STANDBY);
             TransparentListener tcp = TransparentListener.tcp(lab.node(), STANDBY)) {
            sendQuery();
            awaitSeen(udp, 1);
            assertEquals(new InetSocketAddress(RESOLVER, 53), udp.seen().getFirst().originalDestination());
            assertEquals(client.ipv4(), udp.seen().getFirst().peer().getAddress());

            SocketChannel c = Traffic.connect(client, RESOLVER, 53, Duration.ofSeconds(2));
            assertNotNull(c, "the SYN reached the standby's listener and its SYN-ACK came back");
            assertEquals("proxied:query", Traffic.request(c, "query", 13, Duration.ofSeconds(2)), "every segment reached the standby");
            c.close();
            awaitSeen(tcp, 1);
            assertEquals(new InetSocketAddress(RESOLVER, 53), tcp.seen().getFirst().originalDestination());
            assertEquals(client.ipv4(), tcp.seen().getFirst().peer().getAddress());
        }
    }

    @Test
    void aListenerOnTheProxyPortGetsTheFlowsNotTheStandby() throws Exception {
        lab.datapath().setProxyStandby(DNS_PROXY, STANDBY);
        try (TransparentListener udp = TransparentListener.udp(lab.node(), DNS_PROXY);
             TransparentListener tcp = TransparentListener.tcp(lab.node(), DNS_PROXY);
             TransparentListener standbyUdp = TransparentListener.udp(lab.node(), STANDBY);
             TransparentListener standbyTcp = TransparentListener.tcp(lab.node(), STANDBY)) {
            sendQuery();
            awaitSeen(udp, 1);
            assertTrue(Traffic.tcpConnects(client, RESOLVER, 53));
            awaitSeen(tcp, 1);
            Thread.sleep(200);
            assertEquals(List.of(), standbyUdp.seen(), "the standby got nothing while the proxy port had its socket");
            assertEquals(List.of(), standbyTcp.seen());
        }
    }

    @Test
    void withoutAStandbyEntryNobodyOnTheProxyPortMeansDropped() throws Exception {
        lab.datapath().setProxyStandby(DNS_PROXY, STANDBY);
        assertTrue(lab.datapath().clearProxyStandby(DNS_PROXY));
        assertEquals(Map.of(), lab.datapath().proxyStandbys());
        try (FlowEventReader events = lab.datapath().openEventReader();
             TransparentListener udp = TransparentListener.udp(lab.node(), STANDBY);
             TransparentListener tcp = TransparentListener.tcp(lab.node(), STANDBY)) {
            sendQuery();
            assertFalse(Traffic.tcpConnects(client, RESOLVER, 53), "no socket on the proxy port and no standby: dropped");
            Thread.sleep(200);
            assertEquals(List.of(), udp.seen(), "a socket on another port is no fallback without an entry");
            assertEquals(List.of(), tcp.seen());
            List<FlowEvent> seen = events.drain();
            assertTrue(seen.stream().anyMatch(e -> e.reason() == FlowReason.PROXY_UNAVAILABLE && e.proxyPort() == DNS_PROXY
                    && e.protocol() == 17), seen.toString());
            assertTrue(seen.stream().anyMatch(e -> e.reason() == FlowReason.PROXY_UNAVAILABLE && e.proxyPort() == DNS_PROXY
                    && e.protocol() == 6), seen.toString());
        }
    }

    @Test
    void anEntryWithNobodyOnEitherPortStillDrops() throws Exception {
        lab.datapath().setProxyStandby(DNS_PROXY, STANDBY);
        try (FlowEventReader events = lab.datapath().openEventReader()) {
            assertFalse(Traffic.tcpConnects(client, RESOLVER, 53));
            assertTrue(events.drain().stream().anyMatch(e -> e.reason() == FlowReason.PROXY_UNAVAILABLE));
        }
    }

    @Test
    void theEntryOutlivesTheDatapathObjectAndBadPortsAreRefused() {
        lab.datapath().setProxyStandby(DNS_PROXY, STANDBY);
        Datapath reopened = lab.reopen(c -> c.withProxyPorts((ep, d, type) -> type.equals("dns") ? DNS_PROXY : 0));
        assertEquals(Map.of(DNS_PROXY, STANDBY), reopened.proxyStandbys(), "pinned: a restarted agent finds it");
        IllegalArgumentException self = assertThrows(IllegalArgumentException.class, () -> reopened.setProxyStandby(DNS_PROXY, DNS_PROXY));
        assertTrue(self.getMessage().contains("itself"), self.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> reopened.setProxyStandby(DNS_PROXY, 70000));
        assertTrue(range.getMessage().contains("70000"), range.getMessage());
    }

    private void sendQuery() throws IOException {
        DatagramChannel ch = NetworkNamespace.openIn(client.netns(), () -> {
            try {
                return DatagramChannel.open(StandardProtocolFamily.INET);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try (ch) {
            ch.send(ByteBuffer.wrap("query".getBytes(StandardCharsets.UTF_8)), new InetSocketAddress(RESOLVER, 53));
        }
    }

    private static void awaitSeen(TransparentListener l, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (l.seen().size() < n && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(n, l.seen().size(), "what the listener got: " + l.seen());
    }
}
