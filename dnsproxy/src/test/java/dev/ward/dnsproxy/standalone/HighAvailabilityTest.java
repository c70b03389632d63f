package dev.ward.dnsproxy.standalone;

import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.proxy.ProxySettings;
import dev.ward.dnsproxy.snapshot.DnsSnapshot;
import dev.ward.dnsproxy.snapshot.DnsSnapshotFile;
import dev.ward.dnsproxy.testing.AgentSide;
import dev.ward.dnsproxy.testing.NetnsTopology;
import dev.ward.dnsproxy.testing.PodClient;
import dev.ward.dnsproxy.testing.RecordingDatapath;
import dev.ward.dnsproxy.testing.TestPolicies;
import dev.ward.testbed.UnboundServer;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Protocol;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standby-port design: the proxy on the proxy port (a process here, the agent's on a node) and the standalone
 * proxy on the standby port, each alone on its port (no SO_REUSEPORT: bpf_sk_assign refuses a socket of a reuseport
 * group before Linux 6.5), both fed by the agent's snapshot file. Pods' DNS goes to the proxy port while it has a
 * socket and to the standby port while it has none (nft tproxy here, which finds no socket and falls to its next rule;
 * the BPF datapath's standby entry on a node, tested in module bpf). The proxy port's process answers everything while
 * it is up; after {@code kill -9} of it every query is answered by the standby, which keeps refusing, resolving and
 * learning new addresses, and follows a newer snapshot.
 */
class HighAvailabilityTest {
    static final String SECOND_POLICY = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: late, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              egress:
              - toCIDR: [10.77.2.0/24]
                toPorts:
                - ports: [{port: "53", protocol: ANY}]
                  rules:
                    dns: [{matchName: "www.late.test"}]
              - toFQDNs: [{matchName: "www.late.test"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            """;

    static final int PROXY_PORT = 10053;
    static final int STANDBY_PORT = 10054;

    @TempDir
    Path dir;
    NetnsTopology net;
    UnboundServer unbound;
    StandaloneDnsProxy survivor;
    Process other;
    RecordingDatapath datapath = new RecordingDatapath().enforceEgress("default/client-a", "default/client-b");
    final Queue<DnsEvent> events = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void up() {
        net = NetnsTopology.create();
        unbound = UnboundServer.start(net.dns, NetnsTopology.DNS, dir.resolve("unbound"), List.of(
                "www.allowed.test. 300 IN A 198.51.100.10",
                "api.allowed.test. 300 IN A 198.51.100.11",
                "new.allowed.test. 300 IN A 198.51.100.12",
                "www.late.test. 300 IN A 198.51.100.30",
                "evil.test. 300 IN A 203.0.113.66"));
    }

    @AfterEach
    void down() {
        if (other != null) other.destroyForcibly();
        if (survivor != null) survivor.close();
        if (unbound != null) unbound.close();
        if (net != null) net.close();
    }

    DnsSnapshot snapshot(long generation, List<String> policies) throws Exception {
        Identity a = AgentSide.pod(300, "app=client");
        Identity b = AgentSide.pod(301, "app=client,role=b");
        List<DnsSnapshot.Document> docs = new java.util.ArrayList<>();
        for (int i = 0; i < policies.size(); i++) docs.add(new DnsSnapshot.Document("store/policy-" + i, policies.get(i)));
        return DnsSnapshot.of(generation, "default", docs, Map.of(), List.of(a, b), List.of(
                DnsSnapshot.EndpointEntry.of(new LocalEndpoint("default/client-a", a), List.of(InetAddress.getByName(NetnsTopology.POD_A))),
                DnsSnapshot.EndpointEntry.of(new LocalEndpoint("default/client-b", b), List.of(InetAddress.getByName(NetnsTopology.POD_B)))),
                List.of());
    }

    Process startOther(Path snapshot, int port) throws Exception {
        Path log = dir.resolve("other-events.jsonl");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                StandaloneChild.class.getName(), snapshot.toString(), dir.resolve("other-state").toString(), net.node,
                String.valueOf(port), log.toString())
                .redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < end) {
            String line = r.readLine();
            if (line == null) throw new AssertionError("the second proxy exited: " + seen);
            seen.append(line).append('\n');
            if (line.startsWith("serving " + port)) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (r.readLine() != null) { /* keep its pipe drained */ }
                    } catch (Exception ignored) {
                        // it was killed
                    }
                });
                return p;
            }
        }
        throw new AssertionError("the second proxy did not start: " + seen);
    }

    long otherAnswers() throws Exception {
        Path log = dir.resolve("other-events.jsonl");
        if (!Files.exists(log)) return 0;
        return Files.readAllLines(log).stream().filter(l -> l.contains("\"kind\":\"answer\"")).count();
    }

    static String ip(PodClient.Answer a) {
        return ((ARecord) a.message().getSection(org.xbill.DNS.Section.ANSWER).getFirst()).getAddress().getHostAddress();
    }

    @Test
    void killingTheProxyPortsProcessLosesNoQueryAndTheStandbyKeepsEnforcingAndLearning() throws Exception {
        Path snap = dir.resolve("dns-snapshot.json");
        DnsSnapshotFile.write(snap, snapshot(1, List.of(TestPolicies.CLIENT_DNS)));
        DnsProxy.Config cfg = new DnsProxy.Config(new InetSocketAddress(STANDBY_PORT), net.node, 2, 1, 4, ProxySettings.DEFAULT, false);
        survivor = StandaloneDnsProxy.start(new StandaloneDnsProxy.Config(snap, dir.resolve("state"), null, cfg,
                EngineFqdnLearner.Settings.DEFAULT, Duration.ofMillis(100)), datapath, datapath, OpenConnections.NONE,
                events::add, new PrometheusRegistry());
        assertEquals(STANDBY_PORT, survivor.port());
        other = startOther(snap, PROXY_PORT);
        net.redirect(PROXY_PORT, STANDBY_PORT);
        DnsProxy.Config third = new DnsProxy.Config(new InetSocketAddress(PROXY_PORT), net.node, 2, 1, 4, ProxySettings.DEFAULT, false);
        Exception taken = assertThrows(Exception.class, () -> DnsProxy.start(third, survivor.host().rules(), survivor.host().learner(), e -> { },
                new DnsProxyMetrics(new PrometheusRegistry(), () -> 0)), "without SO_REUSEPORT the proxy port is one process's alone");
        assertTrue(String.valueOf(taken.getMessage()).contains("Address already in use"), taken.toString());

        PodClient podA = new PodClient(net.pod, NetnsTopology.POD_A);
        PodClient podB = new PodClient(net.pod, NetnsTopology.POD_B);
        for (int i = 0; i < 40; i++) {
            PodClient.Answer ok = (i % 2 == 0 ? podA : podB).udp(NetnsTopology.DNS, PodClient.query("www.allowed.test", Type.A));
            assertNotNull(ok, "query " + i + " unanswered with both proxies up");
            assertEquals("198.51.100.10", ip(ok));
        }
        assertEquals("198.51.100.10", ip(podA.tcp(NetnsTopology.DNS, PodClient.query("www.allowed.test", Type.A))));
        Thread.sleep(300);
        long mine = events.stream().filter(e -> e.kind() == DnsEvent.Kind.ANSWER).count();
        long theirs = otherAnswers();
        assertEquals(0, mine, "the standby gets nothing while the proxy port has its sockets");
        assertEquals(41, theirs, "the proxy port's process answered every query, UDP and TCP");

        other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long unboundBefore = unbound.queries();
        int refused = 0;
        for (int i = 0; i < 40; i++) {
            PodClient.Answer a = podA.udp(NetnsTopology.DNS, PodClient.query(i % 4 == 3 ? "evil.test" : "api.allowed.test", Type.A));
            assertNotNull(a, "query " + i + " unanswered after the other proxy was killed");
            if (i % 4 == 3) {
                assertEquals(Rcode.REFUSED, a.message().getRcode());
                refused++;
            } else {
                assertEquals("198.51.100.11", ip(a));
            }
        }
        assertEquals(10, refused);
        assertEquals("198.51.100.11", ip(podB.tcp(NetnsTopology.DNS, PodClient.query("api.allowed.test", Type.A))),
                "TCP queries reach the standby too");
        assertEquals(unboundBefore + 31, unbound.queries(), "refused queries never reached the server");
        PodClient.Answer fresh = podB.udp(NetnsTopology.DNS, PodClient.query("new.allowed.test", Type.A));
        assertEquals("198.51.100.12", ip(fresh));
        assertTrue(datapath.allows("default/client-b", InetAddress.getByName("198.51.100.12"), Protocol.TCP, 443),
                "the survivor learned a new address into the datapath before answering");

        assertEquals(Rcode.REFUSED, podA.udp(NetnsTopology.DNS, PodClient.query("www.late.test", Type.A)).message().getRcode());
        DnsSnapshotFile.write(snap, snapshot(2, List.of(TestPolicies.CLIENT_DNS, SECOND_POLICY)));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (survivor.generation() < 2 && System.nanoTime() < end) Thread.sleep(50);
        assertEquals(2, survivor.generation(), "the newer snapshot was not picked up");
        PodClient.Answer late = podA.udp(NetnsTopology.DNS, PodClient.query("www.late.test", Type.A));
        assertEquals("198.51.100.30", ip(late));
        assertTrue(datapath.allows("default/client-a", InetAddress.getByName("198.51.100.30"), Protocol.TCP, 443));
        assertTrue(datapath.allows("default/client-b", InetAddress.getByName("198.51.100.12"), Protocol.TCP, 443),
                "names learned before the new snapshot stay allowed");
        assertFalse(datapath.allows("default/client-a", InetAddress.getByName("203.0.113.66"), Protocol.TCP, 443));
        assertFalse(datapath.allows("default/client-a", InetAddress.getByName("198.51.100.30"), Protocol.TCP, 80));
    }
}
