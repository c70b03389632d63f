package dev.ward.bpf.datapath;

import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowEventReader;
import dev.ward.bpf.events.FlowReason;
import dev.ward.bpf.lab.Packets;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.lab.Traffic;
import dev.ward.bpf.load.ProgramTestRun;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static dev.ward.bpf.TestPolicies.cnp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conntrack: replies and ICMP errors that quote a tracked flow pass an enforced direction that allows nothing;
 * the same ICMP errors about no tracked flow, and packets that only look like replies, are judged and dropped.
 */
class ConntrackTest {
    private PodLab lab;
    private PolicyWorld world;
    private Pod client;
    private Pod server;

    /** The client may open flows to the server; nothing at all may come in to the client. */
    private static final Policy CLIENT = cnp("client", "{endpointSelector: {matchLabels: {app: client}}, ingress: [], "
            + "egress: [{toEndpoints: [{matchLabels: {app: server}}], toPorts: [{ports: [{port: '0', protocol: ANY}]}]}, "
            + "{toEndpoints: [{matchLabels: {app: server}}], icmps: [{fields: [{type: 8, family: IPv4}]}]}], "
            + "enableDefaultDeny: {ingress: true, egress: true}}");

    @BeforeEach
    void lab() {
        lab = PodLab.create(2);
        world = new PolicyWorld(lab);
        client = lab.pod(1);
        server = lab.pod(2);
        world.endpoint(1, 1001, "app=client");
        world.endpoint(2, 1002, "app=server");
        world.upsert(CLIENT);
        assertTrue(lab.datapath().endpoint(client.name()).enforced(Direction.INGRESS));
    }

    @AfterEach
    void close() {
        lab.close();
    }

    @Test
    void repliesOfTcpUdpAndEchoPassAnIngressThatAllowsNothing() throws Exception {
        try (AutoCloseable t = Traffic.tcpEchoServer(server, server.ipv4(), 7000);
             AutoCloseable u = Traffic.udpEchoServer(server, server.ipv4(), 7001)) {
            SocketChannel c = Traffic.connect(client, server.ipv4(), 7000, Duration.ofSeconds(2));
            assertNotNull(c);
            assertEquals("syn-ack and data came back", Traffic.roundTrip(c, "syn-ack and data came back", Duration.ofSeconds(2)));
            c.close();
            assertEquals(Traffic.UdpOutcome.ANSWERED, Traffic.udpRoundTrip(client, server.ipv4(), 7001, Duration.ofSeconds(2)));
            assertTrue(Traffic.ping(client, server.ipv4()), "echo reply of an allowed request");
        }
        // ...but the server cannot open a flow towards the client.
        try (AutoCloseable t = Traffic.tcpEchoServer(client, client.ipv4(), 7002)) {
            assertFalse(Traffic.tcpConnects(server, client.ipv4(), 7002));
        }
        assertFalse(Traffic.ping(server, client.ipv4()));
    }

    @Test
    void portUnreachableForATrackedUdpFlowReachesTheSender() {
        // Nothing listens on 7100: the server's kernel answers with ICMP port unreachable, which only passes the
        // client's ingress as related to the client's own flow.
        assertEquals(Traffic.UdpOutcome.PORT_UNREACHABLE, Traffic.udpRoundTrip(client, server.ipv4(), 7100, Duration.ofSeconds(2)));
        assertTrue(lab.datapath().counters().get(Direction.INGRESS, FlowReason.FORWARDED).packets() > 0);
    }

    @Test
    void fragNeededForATrackedTcpFlowLetsPathMtuDiscoveryWork() throws Exception {
        // The server's side of the node has a smaller MTU: the node answers the client's full-size segments with
        // frag-needed, from the node's own address (world). Blocked, the transfer would stall (a PMTU black hole).
        try (RouteNetlink rt = RouteNetlink.open(lab.node())) {
            rt.setMtu(server.veth(), 1280);
        }
        byte[] data = new byte[2 << 20];
        new Random(3).nextBytes(data);
        // One way only, answered by a digest: the server's own full-size segments would not fit the small hop back.
        java.nio.channels.ServerSocketChannel listener = NetworkNamespace.openIn(server.netns(), () -> {
            try {
                java.nio.channels.ServerSocketChannel l = java.nio.channels.ServerSocketChannel.open();
                l.bind(new java.net.InetSocketAddress(server.ipv4(), 7200));
                return l;
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try (listener) {
            Thread digester = Thread.ofPlatform().daemon().start(() -> {
                try (SocketChannel s = listener.accept()) {
                    byte[] got = s.socket().getInputStream().readNBytes(data.length);
                    s.socket().getOutputStream().write(MessageDigest.getInstance("SHA-256").digest(got));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            SocketChannel c = Traffic.connect(client, server.ipv4(), 7200, Duration.ofSeconds(2));
            assertNotNull(c);
            c.socket().setSoTimeout(30000);
            OutputStream out = c.socket().getOutputStream();
            out.write(data);
            out.flush();
            byte[] digest = c.socket().getInputStream().readNBytes(32);
            c.close();
            digester.join(5000);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), digest, "2 MiB arrived whole through a 1280-byte hop");
        }
        String route = dev.ward.testbed.IpCommand.run("-n", client.netns(), "route", "get", server.ipv4().getHostAddress());
        assertTrue(route.contains("mtu 1280"), "the client learned the path MTU from the frag-needed: " + route);
    }

    @Test
    void icmpErrorsAboutNoTrackedFlowAndFakeRepliesAreJudgedAsNew() throws Exception {
        Datapath dp = lab.datapath();
        EndpointRecord ep = dp.endpoint(client.name());
        InetAddress stranger = IpPrefix.address("192.0.2.50");
        try (FlowEventReader events = dp.openEventReader()) {
            NetworkNamespace.call(lab.node(), () -> {
                // An unreachable quoting a UDP flow the client never sent: dropped by the client's default deny.
                byte[] quoted = Packets.frame(client.ipv4(), stranger, Packets.UDP, 40000, 53);
                byte[] error = Packets.icmpError(stranger, client.ipv4(), 3, 3, quoted);
                assertEquals(2, ProgramTestRun.run(dp.programFd(Direction.INGRESS), error, ep.ifindex()).returnValue());
                // The client sends that flow (egress allows only the server, so allow world for the probe's sake:
                // judged at egress it is dropped, and no entry is made) ...
                assertEquals(2, ProgramTestRun.run(dp.programFd(Direction.EGRESS), quoted, ep.ifindex()).returnValue());
                assertEquals(2, ProgramTestRun.run(dp.programFd(Direction.INGRESS), error, ep.ifindex()).returnValue());
                // ... a flow it may open, to the server: now the error quoting it is related and passes.
                byte[] toServer = Packets.frame(client.ipv4(), server.ipv4(), Packets.UDP, 40001, 53);
                assertEquals(0, ProgramTestRun.run(dp.programFd(Direction.EGRESS), toServer, ep.ifindex()).returnValue());
                byte[] related = Packets.icmpError(lab.pod(2).gateway4(), client.ipv4(), 3, 4, toServer);
                assertEquals(0, ProgramTestRun.run(dp.programFd(Direction.INGRESS), related, ep.ifindex()).returnValue());
                // A "reply" for which no flow exists is a new flow into the client: dropped.
                byte[] fakeReply = Packets.frame(server.ipv4(), client.ipv4(), Packets.UDP, 53, 40002);
                assertEquals(2, ProgramTestRun.run(dp.programFd(Direction.INGRESS), fakeReply, ep.ifindex()).returnValue());
                byte[] realReply = Packets.frame(server.ipv4(), client.ipv4(), Packets.UDP, 53, 40001);
                assertEquals(0, ProgramTestRun.run(dp.programFd(Direction.INGRESS), realReply, ep.ifindex()).returnValue());
                return null;
            });
            List<FlowEvent> seen = events.drain();
            // Only the injected packets count: the veth's own IPv6 (MLD reports, router solicitations) may be dropped meanwhile.
            long drops = seen.stream().filter(e -> e.dropped() && e.direction() == Direction.INGRESS && e.reason() == FlowReason.POLICY_DEFAULT_DENY
                    && client.ipv4().equals(e.destination())).count();
            assertEquals(3, drops, seen.toString());
        }
        assertTrue(dp.conntrack().stream().anyMatch(c -> c.sourcePort() == 40001 && c.endpointId() == ep.endpointId()
                && (c.flags() & ConntrackEntry.REPLY_SEEN) != 0), "the reply marked the entry");
    }
}
