package dev.ward.bpf.datapath;

import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowEventReader;
import dev.ward.bpf.events.FlowReason;
import dev.ward.bpf.lab.FlowEvents;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.lab.Traffic;
import dev.ward.policy.model.Direction;
import dev.ward.testbed.IpCommand;
import dev.ward.policy.model.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ward.bpf.TestPolicies.cnp;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Two pods of one node: what from_pod allows goes straight into the receiver's namespace, judged there for its
 * ingress in the same run, past the node's forwarding (its netfilter forward hook counts it not) with the one
 * hop forwarding would have taken off its TTL; what the receiver denies is dropped and reported as its ingress.
 */
class LocalDeliveryTest {
    private static final Policy SERVER_INGRESS = cnp("server-in", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: "
            + "[{matchLabels: {app: client}}], toPorts: [{ports: [{port: '8080', protocol: TCP}]}]}]}");

    private PodLab lab;
    private Pod client, server;
    private FlowEventReader events;

    @BeforeEach
    void lab() {
        lab = PodLab.create(2);
        PolicyWorld world = new PolicyWorld(lab);
        client = lab.pod(1);
        server = lab.pod(2);
        world.endpoint(1, 1001, "app=client");
        world.endpoint(2, 1002, "app=server");
        world.upsert(SERVER_INGRESS);
        events = lab.datapath().openEventReader();
    }

    @AfterEach
    void close() {
        if (events != null) events.close();
        lab.close();
    }

    @Test
    void anAllowedFlowBypassesTheNodesForwardingBothWaysAndADeniedOneIsDroppedAsTheReceiversIngress() throws Exception {
        nft("add table ip wlocal", "add chain ip wlocal passing { type filter hook forward priority 0; policy accept; }",
                "add rule ip wlocal passing counter");
        try (AutoCloseable echo = Traffic.tcpEchoServer(server, server.ipv4(), 8080);
             AutoCloseable other = Traffic.tcpEchoServer(server, server.ipv4(), 8081)) {
            SocketChannel c = Traffic.connect(client, server.ipv4(), 8080, Duration.ofSeconds(2));
            assertNotNull(c, "allowed: client -> server:8080");
            long before = forwarded();
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'w');
            int rounds = 64;
            for (int i = 0; i < rounds; i++) {
                c.write(ByteBuffer.wrap(chunk));
                ByteBuffer back = ByteBuffer.allocate(chunk.length);
                c.socket().setSoTimeout(5000);
                while (back.hasRemaining()) if (c.read(back) < 0) throw new IOException("closed");
            }
            c.close();
            long through = forwarded() - before;
            assertTrue(through <= 4, "4 MiB echoed each way, and the node's forward hook saw " + through
                    + " packets of it: delivered pod to pod, both ways");

            assertFalse(Traffic.tcpConnects(client, server.ipv4(), 8081), "denied: client -> server:8081");
            FlowEvent drop = FlowEvents.first(events, e -> e.destinationPort() == 8081 && e.reason() == FlowReason.POLICY_DEFAULT_DENY);
            assertEquals(Direction.INGRESS, drop.direction(), "judged as the server's ingress: " + drop);
            assertEquals(1002, drop.localIdentity(), drop.toString());
            assertEquals(1001, drop.remoteIdentity(), drop.toString());
        }
        // The server's egress is open: its echo requests and the client's replies both take the pod-to-pod path.
        String ping = IpCommand.run("netns", "exec", server.netns(), "ping", "-c", "2", "-W", "1", "-n", client.ipv4().getHostAddress());
        Matcher ttl = Pattern.compile("ttl=(\\d+)").matcher(ping);
        assertTrue(ttl.find(), ping);
        assertEquals("63", ttl.group(1), "the reply crossed one hop, as through the node's forwarding: " + ping);
    }

    private long forwarded() {
        String out = IpCommand.run("netns", "exec", lab.node(), "nft", "list", "chain", "ip", "wlocal", "passing");
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private void nft(String... commands) {
        for (String c : commands) IpCommand.run("netns", "exec", lab.node(), "nft", c);
    }
}
