package dev.ward.agent.datapath;

import dev.ward.agent.Subsystem;
import dev.ward.agent.dns.DnsProxyConfig;
import dev.ward.agent.dns.DnsProxySubsystem;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.FlowsConfig;
import dev.ward.agent.flows.FlowsSubsystem;
import dev.ward.agent.flows.log.FlowLogConfig;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.Traffic;
import dev.ward.bpf.lab.TransparentListener;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.proxy.ProxySettings;
import dev.ward.dnsproxy.snapshot.DnsSnapshot;
import dev.ward.dnsproxy.snapshot.DnsSnapshotFile;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.testbed.Eventually;
import dev.ward.testbed.UnboundServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The agent's DNS proxy on the BPF datapath of this host's kernel: pods in real namespaces, a real unbound in one of
 * them, a toFQDNs policy from the agent's store. A pod's lookup is redirected to the proxy with its resolver kept;
 * an allowed name's address is in the maps before the answer arrives, so a connection opened at once passes; a
 * refused name never reaches unbound; an address nobody resolved stays dropped; a TTL's end closes the address; the
 * names survive an agent restart; the standalone proxy's snapshot follows the node's pods.
 */
class BpfDnsProxyAgentTest {
    static final String POLICY = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: client-dns, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              egress:
              - toEndpoints: [{matchLabels: {app: dns}}]
                toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.allowed.test"}, {matchName: "plain.test"}]}}]
              - toFQDNs: [{matchPattern: "*.allowed.test"}]
                toPorts: [{ports: [{port: "8443", protocol: TCP}]}]
            """;
    static final InetAddress API = IpPrefix.address("192.0.2.10");
    static final InetAddress SHORT = IpPrefix.address("192.0.2.11");
    static final InetAddress UNRESOLVED = IpPrefix.address("192.0.2.12");

    @TempDir
    Path tmp;

    private PodNode node;
    private BpfAgent agent;
    private UnboundServer unbound;
    private AutoCloseable external;

    @BeforeEach
    void wire() throws Exception {
        node = new PodNode();
        // Addresses outside the cluster, on the node itself: what a toFQDNs rule opens.
        try (RouteNetlink rt = RouteNetlink.open(node.netns())) {
            for (InetAddress a : List.of(API, SHORT, UNRESOLVED)) rt.addAddress("lo", new IpPrefix(a, 32));
        }
        external = Traffic.tcpEchoServer(new Pod(0, node.netns(), null, null, null, null), InetAddress.getByName("0.0.0.0"), 8443);
    }

    @AfterEach
    void close() throws Exception {
        if (agent != null) agent.close();
        if (unbound != null) unbound.close();
        if (external != null) external.close();
        node.close();
    }

    private DnsProxyConfig dnsConfig() {
        return new DnsProxyConfig(true, 10053, 10054, 1, ProxySettings.DEFAULT,
                new EngineFqdnLearner.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1)), tmp.resolve("standby"));
    }

    private void startAgent() {
        List<Subsystem> more = List.of(
                new FlowsSubsystem(new FlowsConfig(FlowHub.Settings.DEFAULT, Optional.of(new FlowLogConfig(tmp.resolve("flows.jsonl"), 1 << 20, 2)))),
                new DnsProxySubsystem(dnsConfig(), node.netns()));
        agent = BpfAgent.start(node, tmp, more, Map.of("dns", 10053));
    }

    @Test
    void lookupsAreJudgedAndAnsweredAddressesOpenBeforeTheAnswerArrives() throws Exception {
        new KvPolicyStore(BpfAgent.kv(tmp), KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "dns", POLICY);
        startAgent();
        Pod dns = pod("dns", Map.of("app", "dns"));
        Pod client = pod("client", Map.of("app", "client"));
        unbound = UnboundServer.start(dns.netns(), dns.ipv4().getHostAddress(), tmp.resolve("unbound"), List.of(
                "api.allowed.test. 300 IN A " + API.getHostAddress(),
                "short.allowed.test. 1 IN A " + SHORT.getHostAddress(),
                "plain.test. 300 IN A " + UNRESOLVED.getHostAddress()));

        assertFalse(Traffic.tcpConnects(client, API, 8443), "before any lookup the address is dropped");

        Message answer = query(client, dns.ipv4(), "api.allowed.test.");
        assertEquals(Rcode.NOERROR, answer.getRcode(), () -> answer + "\nflows: " + flowLog() + "\nrefused " + agent.metric("ward_dns_queries", "verdict", "refused")
                + " unknown " + agent.metric("ward_dns_queries", "verdict", "unknown_endpoint") + " unbound saw it " + unbound.logged("api.allowed.test"));
        assertEquals(List.of(API), addresses(answer));
        assertTrue(Traffic.tcpConnects(client, API, 8443), "a connection opened right after the answer passes");
        assertTrue(unbound.logged("api.allowed.test"), "the query reached the resolver the pod asked");

        Message refused = query(client, dns.ipv4(), "denied.example.");
        assertEquals(Rcode.REFUSED, refused.getRcode(), "a name no DNS rule admits is refused: " + refused);
        assertFalse(unbound.logged("denied.example"), "a refused query never reaches upstream");

        Message plain = query(client, dns.ipv4(), "plain.test.");
        assertEquals(List.of(UNRESOLVED), addresses(plain), "a name the DNS rule admits resolves");
        assertFalse(Traffic.tcpConnects(client, UNRESOLVED, 8443), "an address no toFQDNs rule selects stays dropped");

        assertEquals(List.of(SHORT), addresses(query(client, dns.ipv4(), "short.allowed.test.")));
        assertTrue(inIpcache(SHORT), "the short-lived name's address is in the kernel's ipcache");
        Eventually.await(Duration.ofSeconds(6), "the 1 s TTL to end and take the address out of the ipcache", () -> !inIpcache(SHORT));
        assertFalse(Traffic.tcpConnects(client, SHORT, 8443), "after its TTL the address is dropped again");

        assertEquals(List.of(SHORT), addresses(query(client, dns.ipv4(), "short.allowed.test.")));
        try (java.nio.channels.SocketChannel open = Traffic.connect(client, SHORT, 8443, Duration.ofSeconds(2))) {
            assertNotNull(open, "resolved again, the address is open again");
            Thread.sleep(4000);
            assertTrue(inIpcache(SHORT), "past its TTL the address stays while a connection to it is open (the kernel's conntrack)");
            assertEquals("still", Traffic.roundTrip(open, "still", Duration.ofSeconds(2)), "and the connection carries traffic");
        }
        assertTrue(Traffic.tcpConnects(client, API, 8443), "the 300 s name is still open");

        assertTrue(agent.metric("ward_dns_queries", "verdict", "refused") >= 1, "the refusal is counted");
        assertTrue(agent.metric("ward_dns_queries", "verdict", "allowed") >= 3, "the answers are counted");
        Eventually.await(Duration.ofSeconds(5), "the queries as flows in the flow log",
                () -> flowLog().contains("api.allowed.test") && flowLog().contains("denied.example"));

        DnsSnapshot s = DnsSnapshotFile.read(DnsProxySubsystem.snapshotFile(tmp.resolve("state")));
        assertTrue(s.endpoints().stream().anyMatch(e -> e.name().equals("default/client")
                && e.addresses().contains(client.ipv4().getHostAddress())), "the snapshot holds the client pod: " + s.endpoints());
        assertTrue(s.documents().stream().anyMatch(d -> d.text().contains("client-dns")), "and the policy as read from the store");
        assertEquals(10053, s.proxyPorts().get("dns"), "the snapshot carries the agent's DNS port for the standalone's redirect rows");
        assertEquals(Map.of(10053, 10054), agent.kernel().call(dp -> dp.proxyStandbys()).join(),
                "the datapath hands DNS to the standby port while nobody is on 10053");
        long generation = s.generation();

        agent.close();
        agent = null;
        startAgent();
        assertTrue(Traffic.tcpConnects(client, API, 8443), "a learned name survives the agent's restart");
        assertFalse(Traffic.tcpConnects(client, UNRESOLVED, 8443));
        Eventually.await(Duration.ofSeconds(5), "the restarted agent's snapshot, newer than its predecessor's",
                () -> DnsSnapshotFile.read(DnsProxySubsystem.snapshotFile(tmp.resolve("state"))).generation() > generation);

        // An agent starting again, its DNS proxy not yet listening: its first writes already point DNS at the
        // reserved port, so the datapath hands lookups to the standby (here a transparent listener on 10054), never
        // drops them for want of a proxy.
        agent.close();
        agent = null;
        try (TransparentListener standby = TransparentListener.udp(node.netns(), 10054)) {
            agent = BpfAgent.start(node, tmp, List.of(), Map.of("dns", 10053));
            DatagramSocketQuery.send(client, dns.ipv4(), "api.allowed.test.");
            Eventually.await(Duration.ofSeconds(5), "the standby to get the lookup", () -> !standby.seen().isEmpty());
            assertEquals(new InetSocketAddress(dns.ipv4(), 53), standby.seen().getFirst().originalDestination(),
                    "with the pod's resolver as its destination");
        }
    }

    private Pod pod(String name, Map<String, String> labels) throws Exception {
        Pod p = node.addPod();
        ApiResponse r = agent.ask(node.add(p, name, labels));
        assertInstanceOf(ApiResponse.Ready.class, r, r.toString());
        return p;
    }

    private boolean inIpcache(InetAddress a) {
        return agent.kernel().call(dp -> dp.ipcache().entries().containsKey(IpPrefix.host(a))).join();
    }

    private String flowLog() {
        try {
            return Files.readString(tmp.resolve("flows.jsonl"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** A lookup sent from a pod without waiting for an answer. */
    static final class DatagramSocketQuery {
        static void send(Pod pod, InetAddress server, String name) throws Exception {
            byte[] wire = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)).toWire();
            try (DatagramSocket s = NetworkNamespace.openIn(pod.netns(), () -> {
                try {
                    return new DatagramSocket();
                } catch (java.net.SocketException e) {
                    throw new IllegalStateException(e);
                }
            })) {
                s.send(new DatagramPacket(wire, wire.length, new InetSocketAddress(server, 53)));
            }
        }
    }

    static List<InetAddress> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.A).map(r -> ((ARecord) r).getAddress()).toList();
    }

    /** A UDP lookup from {@code pod}'s namespace to {@code server}:53, as the pod's resolver library would send it. */
    static Message query(Pod pod, InetAddress server, String name) throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        byte[] wire = q.toWire();
        try (DatagramSocket s = NetworkNamespace.openIn(pod.netns(), () -> {
            try {
                return new DatagramSocket();
            } catch (java.net.SocketException e) {
                throw new IllegalStateException(e);
            }
        })) {
            s.setSoTimeout(3000);
            s.send(new DatagramPacket(wire, wire.length, new InetSocketAddress(server, 53)));
            DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
            s.receive(p);
            Message m = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
            assertEquals(q.getHeader().getID(), m.getHeader().getID());
            return m;
        }
    }
}
