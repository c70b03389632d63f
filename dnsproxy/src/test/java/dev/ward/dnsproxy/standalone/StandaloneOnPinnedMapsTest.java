package dev.ward.dnsproxy.standalone;

import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.PinnedMaps;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.lab.Traffic;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.proxy.ProxySettings;
import dev.ward.dnsproxy.snapshot.DnsSnapshot;
import dev.ward.dnsproxy.snapshot.DnsSnapshotFile;
import dev.ward.dnsproxy.testing.PodClient;
import dev.ward.testbed.UnboundServer;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Policy;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.testbed.IpCommand;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ward dnsproxy --datapath bpf} on this host's kernel: an agent (here the bpf module's datapath driven as the
 * agent drives it) programs a toFQDNs egress policy into a pod's maps and goes away, leaving programs and pins. The
 * standalone proxy, on the standby port over the same pins, gets the pod's DNS through the datapath's standby fallback,
 * resolves at a real unbound, writes the learned address into the pinned ipcache and policy map, and the pod at once
 * reaches that address on 443 while an address it did not resolve stays dropped; what the agent wrote stays.
 */
class StandaloneOnPinnedMapsTest {
    static final int AGENT_DNS_PORT = 10053;
    static final int STANDBY_PORT = 10054;
    static final String SERVER = "10.200.2.2";
    static final InetAddress LEARNED = IpPrefix.address("203.0.113.10");
    static final InetAddress NOT_RESOLVED = IpPrefix.address("203.0.113.11");
    static final String POLICY = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: fqdn, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              egress:
              - toCIDR: [10.200.2.2/32]
                toPorts:
                - ports: [{port: "53", protocol: ANY}]
                  rules: {dns: [{matchPattern: "*.allowed.test"}]}
              - toFQDNs: [{matchPattern: "*.allowed.test"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            """;

    @TempDir
    Path dir;
    PodLab lab;
    UnboundServer unbound;
    StandaloneDnsProxy standalone;
    PinnedMapsDatapath pinned;
    final Queue<DnsEvent> events = new ConcurrentLinkedQueue<>();
    final List<AutoCloseable> hosts = new java.util.ArrayList<>();

    @BeforeEach
    void up() {
        lab = PodLab.create(2, c -> c.withProxyPorts((ep, d, type) -> type.equals("dns") ? AGENT_DNS_PORT : 0));
        // Pod 2 is no endpoint (no programs on its veth): it plays the DNS server and the hosts behind the names.
        Pod server = lab.pod(2);
        IpCommand.run("-n", server.netns(), "addr", "add", LEARNED.getHostAddress() + "/32", "dev", "pod2");
        IpCommand.run("-n", server.netns(), "addr", "add", NOT_RESOLVED.getHostAddress() + "/32", "dev", "pod2");
        IpCommand.run("-n", lab.node(), "route", "add", "203.0.113.0/24", "via", SERVER);
        hosts.add(Traffic.tcpEchoServer(server, LEARNED, 443));
        hosts.add(Traffic.tcpEchoServer(server, LEARNED, 80));
        hosts.add(Traffic.tcpEchoServer(server, NOT_RESOLVED, 443));
        unbound = UnboundServer.start(server.netns(), SERVER, dir.resolve("unbound"), List.of(
                "www.allowed.test. 300 IN A " + LEARNED.getHostAddress(),
                "evil.test. 300 IN A " + NOT_RESOLVED.getHostAddress()));
    }

    @AfterEach
    void down() {
        if (standalone != null) standalone.close();
        if (pinned != null) pinned.close();
        if (unbound != null) unbound.close();
        for (AutoCloseable h : hosts) {
            try {
                h.close();
            } catch (Exception ignored) {
                // the namespaces go next
            }
        }
        if (lab != null) lab.close();
    }

    @Test
    void withTheAgentGoneAResolvedNameIsReachableAtOnceThroughThePinnedMaps() throws Exception {
        PolicyWorld agent = new PolicyWorld(lab);
        Identity clientId = agent.endpoint(1, 1001, "app=client");
        agent.upsert(policy(POLICY));
        Pod client = lab.pod(1);
        Datapath agentDatapath = lab.datapath();
        Map<IpPrefix, Integer> agentIpcache = agentDatapath.ipcache().entries();
        Map<PolicyKey, PolicyValue> agentRows = agentDatapath.policyEntries(client.name());
        int serverCidrId = agentIpcache.get(IpPrefix.parse(SERVER + "/32"));
        assertTrue(IdentityNumbers.isNodeLocal(serverCidrId), "the agent wrote the DNS server's CIDR identity");
        assertFalse(Traffic.tcpConnects(client, LEARNED, 443), "nothing learned yet: the address is dropped");
        assertTrue(Traffic.tcpConnects(lab.pod(2), LEARNED, 443), "the host behind the name listens (reached without policy)");
        lab.closeDatapath();

        Path snap = dir.resolve("dns-snapshot.json");
        DnsSnapshotFile.write(snap, DnsSnapshot.of(1, "default", List.of(new DnsSnapshot.Document("store/fqdn", POLICY)), Map.of(),
                List.of(clientId), List.of(DnsSnapshot.EndpointEntry.of(new LocalEndpoint(client.name(), clientId),
                        List.of(client.ipv4(), client.ipv6()))), List.of(), Map.of(DnsSnapshot.DNS_PROXY, AGENT_DNS_PORT)));
        pinned = PinnedMapsDatapath.at(lab.config().pinRoot());
        DnsProxy.Config listen = new DnsProxy.Config(new InetSocketAddress(STANDBY_PORT), lab.node(), 2, 1, 4, ProxySettings.DEFAULT, false);
        standalone = StandaloneDnsProxy.start(new StandaloneDnsProxy.Config(snap, dir.resolve("state"), null, listen,
                EngineFqdnLearner.Settings.DEFAULT, Duration.ofMillis(100)), pinned, pinned, pinned, OpenConnections.NONE, events::add,
                new PrometheusRegistry());
        try (PinnedMaps look = PinnedMaps.open(lab.config().pinRoot())) {
            assertEquals(STANDBY_PORT, look.proxyStandby(AGENT_DNS_PORT), "the standalone registered its port as the DNS port's standby");
        }

        PodClient pod = new PodClient(client.netns(), client.ipv4().getHostAddress());
        PodClient.Answer evil = pod.udp(SERVER, PodClient.query("evil.test", Type.A));
        assertNotNull(evil, "the standby proxy answers the pod's DNS sent to the agent's port while the agent is down");
        assertEquals(Rcode.REFUSED, evil.message().getRcode(), "DNS rules still enforced");
        PodClient.Answer ok = pod.udp(SERVER, PodClient.query("www.allowed.test", Type.A));
        assertNotNull(ok);
        assertEquals(new InetSocketAddress(IpPrefix.address(SERVER), 53), ok.from(), "answered as the server it asked");
        assertEquals(LEARNED, ((ARecord) ok.message().getSection(Section.ANSWER).getFirst()).getAddress());
        assertTrue(unbound.logged("www.allowed.test"), "resolved at the real server");
        assertFalse(unbound.logged("evil.test"), "a refused name never reached the server");

        assertTrue(Traffic.tcpConnects(client, LEARNED, 443), "the learned address is reachable on 443 at once");
        assertFalse(Traffic.tcpConnects(client, LEARNED, 80), "only on the rule's port");
        assertFalse(Traffic.tcpConnects(client, NOT_RESOLVED, 443), "an address the pod did not resolve stays dropped");
        PodClient.Answer overTcp = pod.tcp(SERVER, PodClient.query("www.allowed.test", Type.A));
        assertEquals(LEARNED, ((ARecord) overTcp.message().getSection(Section.ANSWER).getFirst()).getAddress(), "TCP DNS reaches the standby too");

        standalone.close();
        standalone = null;
        pinned.close();
        pinned = null;
        Datapath back = Datapath.open(lab.config().withProxyPorts((ep, d, type) -> type.equals("dns") ? AGENT_DNS_PORT : 0));
        lab.adopt(back);
        Map<IpPrefix, Integer> ipcacheNow = back.ipcache().entries();
        for (Map.Entry<IpPrefix, Integer> e : agentIpcache.entrySet()) {
            assertEquals(e.getValue(), ipcacheNow.get(e.getKey()), "the agent's ipcache entry " + e.getKey() + " stayed as it was");
        }
        Integer learnedId = ipcacheNow.get(IpPrefix.host(LEARNED));
        assertNotNull(learnedId, "the learned address is in the pinned ipcache: " + ipcacheNow);
        assertTrue(IdentityNumbers.isNodeLocal(learnedId) && learnedId != serverCidrId, IdentityNumbers.describe(learnedId));
        Map<PolicyKey, PolicyValue> rowsNow = back.policyEntries(client.name());
        for (Map.Entry<PolicyKey, PolicyValue> e : agentRows.entrySet()) {
            assertEquals(e.getValue(), rowsNow.get(e.getKey()), "the agent's row " + e.getKey() + " stayed as it was");
        }
        assertTrue(rowsNow.keySet().stream().anyMatch(k -> k.identity() == learnedId), "a row for the learned identity: " + rowsNow);
        assertEquals(Map.of(AGENT_DNS_PORT, STANDBY_PORT), back.proxyStandbys());
    }

    static Policy policy(String yaml) {
        List<ParsedDocument> docs = new PolicyParser().parse(yaml, "test.yaml");
        ParsedDocument d = docs.getFirst();
        if (!d.ok()) throw new AssertionError("bad test policy: " + d.errors());
        return d.policy();
    }
}
