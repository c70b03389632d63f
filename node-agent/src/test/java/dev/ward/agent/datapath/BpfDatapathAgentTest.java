package dev.ward.agent.datapath;

import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.DatapathStatus;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.agentapi.EndpointPolicy;
import dev.ward.agentapi.ApiRequest;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.StreamProbe;
import dev.ward.bpf.lab.TcpRetransmits;
import dev.ward.bpf.lab.Traffic;
import dev.ward.bpf.maps.EndpointValue;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.maps.PortPrefix;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.testbed.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.ward.bpf.TestPolicies.STAR_WARS_RULE1;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The agent on the BPF datapath of this host's kernel, pods in real namespaces behind real veths, policies from its
 * store: Star Wars' rule1 (only org=empire may reach the deathstar on 80/TCP) enforced on real TCP from the
 * deathstar's first packet, policy changes enforced within a second, established allowed flows untouched, a removed
 * allow cutting the flows it allowed, and what the maps hold read back over the agent's socket.
 */
class BpfDatapathAgentTest {
    /** Cilium's sw_deny_policy: default-deny ingress for every empire pod, allowing nothing itself. */
    static final String EMPIRE_DEFAULT_DENY = """
            apiVersion: "cilium.io/v2"
            kind: CiliumNetworkPolicy
            metadata:
              name: "empire-default-deny"
            spec:
              description: "Default-deny ingress policy for the empire"
              endpointSelector:
                matchLabels:
                  org: empire
              ingress:
              - {}
            """;
    static final Map<String, String> TIEFIGHTER = Map.of("org", "empire", "class", "tiefighter");
    static final Map<String, String> XWING = Map.of("org", "alliance", "class", "xwing");
    static final Map<String, String> DEATHSTAR = Map.of("org", "empire", "class", "deathstar");

    @TempDir
    Path tmp;

    private PodNode node;
    private BpfAgent agent;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void wire() throws Exception {
        node = new PodNode();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        if (agent != null) agent.close();
        node.close();
    }

    private KvPolicyStore policies() {
        return new KvPolicyStore(BpfAgent.kv(tmp), KvPolicyStore.DEFAULT_PREFIX);
    }

    private void ready(Pod p, String name, Map<String, String> labels) throws Exception {
        ApiResponse r = agent.ask(node.add(p, name, labels));
        assertInstanceOf(ApiResponse.Ready.class, r, r.toString());
    }

    private Pod[] starWars() throws Exception {
        Pod tiefighter = node.addPod(), xwing = node.addPod(), deathstar = node.addPod();
        ready(tiefighter, "tiefighter", TIEFIGHTER);
        ready(xwing, "xwing", XWING);
        return new Pod[] {tiefighter, xwing, deathstar};
    }

    /** Milliseconds until {@code from} connects to {@code to}:80 (tries every 20 ms), or -1 after 5 s. */
    private static long untilConnects(Pod from, Pod to, long since) throws Exception {
        while (System.nanoTime() - since < 5_000_000_000L) {
            SocketChannel c = Traffic.connect(from, to.ipv4(), 80, Duration.ofMillis(20));
            if (c != null) {
                c.close();
                return (System.nanoTime() - since) / 1_000_000;
            }
        }
        return -1;
    }

    @Test
    void rule1FromTheStoreIsEnforcedOnRealTrafficFromTheDeathstarsFirstPacket() throws Exception {
        policies().put("CiliumNetworkPolicy", "default", "rule1", STAR_WARS_RULE1);
        agent = BpfAgent.start(node, tmp, Duration.ofHours(1));
        Pod[] p = starWars();
        Pod tiefighter = p[0], xwing = p[1], deathstar = p[2];

        ready(deathstar, "deathstar", DEATHSTAR);
        // the pod's process starts only now, as a runtime starts it once CNI ADD returned
        open.add(Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80));
        open.add(Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 8080));
        assertNull(Traffic.connect(xwing, deathstar.ipv4(), 80, Duration.ofMillis(500)), "the xwing's first SYN is dropped");
        SocketChannel first = Traffic.connect(tiefighter, deathstar.ipv4(), 80, Duration.ofSeconds(2));
        assertNotNull(first, "the tiefighter's first SYN reaches the deathstar");
        assertEquals("landing", Traffic.roundTrip(first, "landing", Duration.ofSeconds(2)));
        first.close();
        assertFalse(Traffic.tcpConnects(tiefighter, deathstar.ipv4(), 8080), "rule1 allows 80 only");
        assertTrue(Traffic.ping(xwing, tiefighter.ipv4()), "pods rule1 does not select are not enforced");

        DatapathStatus status = ((ApiResponse.Datapath) agent.ask(new ApiRequest.GetDatapathStatus())).datapath();
        assertTrue(status.packets("ingress", "policy-default-deny") >= 2, "the denied SYNs are counted by reason: " + status.counters());
        assertTrue(status.packets("ingress", "forwarded") > 0 && status.packets("egress", "forwarded") > 0, status.counters().toString());
        assertEquals(node.pinRoot().toString(), status.pinRoot());

        EndpointPolicy held = ((ApiResponse.Policy) agent.ask(new ApiRequest.GetPolicy("default/deathstar"))).policy();
        assertTrue(held.matchesAgent(), held.toString());
        assertTrue(held.datapath().ingressEnforced() && !held.datapath().egressEnforced() && held.datapath().lockedDirections().isEmpty(), held.toString());
        int tieId = identity("default/tiefighter");
        EndpointPolicy.Entry row = held.entries().stream().filter(e -> e.remoteIdentity() == tieId).findFirst().orElseThrow(() -> new AssertionError(held.toString()));
        assertEquals(List.of("ingress", "TCP", "80", "allow"), List.of(row.direction(), row.protocol(), row.ports(), row.verdict()));
        assertTrue(row.remoteLabels().contains("class=tiefighter"), row.toString());
        assertTrue(String.join(",", row.rules()).contains("rule1"), row.rules().toString());
    }

    private int identity(String endpoint) throws Exception {
        List<EndpointInfo> list = ((ApiResponse.Ok) agent.ask(new ApiRequest.ListEndpoints())).endpoints();
        return list.stream().filter(e -> e.name().equals(endpoint)).findFirst().orElseThrow().identity();
    }

    @Test
    void policyChangesWhileTrafficRunsTakeEffectWithinASecondAndAllowedFlowsLoseNothing() throws Exception {
        agent = BpfAgent.start(node, tmp, Duration.ofHours(1));
        Pod[] p = starWars();
        Pod tiefighter = p[0], xwing = p[1], deathstar = p[2];
        ready(deathstar, "deathstar", DEATHSTAR);
        open.add(Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80));
        KvPolicyStore store = policies();

        StreamProbe empire = new StreamProbe(tiefighter, deathstar.ipv4(), 80);
        open.add(empire);
        StreamProbe alliance = new StreamProbe(xwing, deathstar.ipv4(), 80);
        open.add(alliance);
        Thread.sleep(300);

        // rule1 added: the xwing's established connection is cut, the tiefighter's loses nothing
        long added = System.nanoTime();
        store.put("CiliumNetworkPolicy", "default", "rule1", STAR_WARS_RULE1);
        long cut = untilCut(alliance, added);
        assertTrue(cut >= 0 && cut <= 1000, "rule1 cut the xwing's established flow within 1 s: " + cut + " ms");
        assertNull(Traffic.connect(xwing, deathstar.ipv4(), 80, Duration.ofMillis(300)), "and new xwing flows");

        // rule1 removed: the deathstar is open again
        long removed = System.nanoTime();
        store.delete("CiliumNetworkPolicy", "default", "rule1");
        long open1 = untilConnects(xwing, deathstar, removed);
        assertTrue(open1 >= 0 && open1 <= 1000, "removing rule1 let the xwing in within 1 s: " + open1 + " ms");

        // rule1, then the empire's default deny beside it: removing rule1 then cuts the flows it allowed
        store.put("CiliumNetworkPolicy", "default", "rule1", STAR_WARS_RULE1);
        awaitRows("default/deathstar", 1);
        store.put("CiliumNetworkPolicy", "default", "empire-default-deny", EMPIRE_DEFAULT_DENY);
        Eventually.await(Duration.ofSeconds(5), "the tiefighter's own ingress enforced", () -> kernelEnforcesIngress("default/tiefighter"));
        Thread.sleep(300);
        empire.stop();
        assertNull(empire.problem());
        assertTrue(empire.sent() > 50, "the stream ran throughout: " + empire.sent());
        assertEquals(0, empire.lost(), "every line the tiefighter sent came back, in order");
        assertEquals(0, TcpRetransmits.to(tiefighter.netns(), deathstar.ipv4()) + TcpRetransmits.to(deathstar.netns(), tiefighter.ipv4()),
                "and no segment of it was ever dropped (no retransmission either way) through four policy changes");
        StreamProbe empire2 = new StreamProbe(tiefighter, deathstar.ipv4(), 80);
        open.add(empire2);
        Thread.sleep(200);
        long withdrawn = System.nanoTime();
        store.delete("CiliumNetworkPolicy", "default", "rule1");
        long cut2 = untilCut(empire2, withdrawn);
        System.out.printf("policy change -> enforcement on this host: rule1 added cut an established flow after %d ms, removed opened"
                + " the deathstar after %d ms, a removed allow cut its flow after %d ms%n", cut, open1, cut2);
        assertTrue(cut2 >= 0 && cut2 <= 1000, "the removed allow cut the tiefighter's flow within 1 s: " + cut2 + " ms");
    }

    @Test
    void thePeriodicReconcileRepairsWhatWasChangedBehindTheAgentsBackAndCountsIt() throws Exception {
        policies().put("CiliumNetworkPolicy", "default", "rule1", STAR_WARS_RULE1);
        agent = BpfAgent.start(node, tmp, Duration.ofSeconds(1));
        Pod[] p = starWars();
        Pod tiefighter = p[0], xwing = p[1], deathstar = p[2];
        ready(deathstar, "deathstar", DEATHSTAR);
        open.add(Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80));
        EndpointInfo ds = ((ApiResponse.Ok) agent.ask(new ApiRequest.ListEndpoints())).endpoints().stream()
                .filter(e -> e.name().equals("default/deathstar")).findFirst().orElseThrow();
        PinnedMaps pins = new PinnedMaps(node.pinRoot());
        Map<PolicyKey, PolicyValue> held = pins.policy(ds.datapath().endpointId());
        double repairedBefore = agent.metric("ward_datapath_reconciles", "outcome", "repaired");

        // behind the agent's back: an allow for the xwing, and the deathstar's ingress no longer enforced
        pins.putPolicy(ds.datapath().endpointId(), new PolicyKey(identity("default/xwing"), Direction.INGRESS, Protocol.TCP, new PortPrefix(80, 16)),
                new PolicyValue(Verdict.Kind.ALLOW, 0, 0));
        EndpointValue entry = pins.endpoints().get(ds.vethIfindex());
        pins.putEndpoint(ds.vethIfindex(), entry.withFlags(entry.flags() & ~EndpointValue.ENFORCE_INGRESS));
        assertTrue(Traffic.tcpConnects(xwing, deathstar.ipv4(), 80), "the planted allow lets the xwing in (the maps are what enforces)");

        Eventually.await(Duration.ofSeconds(5), "the periodic reconcile repaired the deathstar's maps",
                () -> pins.policy(ds.datapath().endpointId()).equals(held) && pins.endpoints().get(ds.vethIfindex()).equals(entry));
        assertFalse(Traffic.tcpConnects(xwing, deathstar.ipv4(), 80), "the xwing is denied again");
        assertTrue(Traffic.tcpConnects(tiefighter, deathstar.ipv4(), 80));
        assertTrue(agent.metric("ward_datapath_reconciles", "outcome", "repaired") > repairedBefore, "the repair is counted");
        assertTrue(agent.metric("ward_datapath_reconciles", "outcome", "in-sync") > 0, "rounds that found nothing are counted too");
    }

    /** Milliseconds from {@code since} until the stream's echoes stop for good (none for 500 ms), or -1. */
    private static long untilCut(StreamProbe s, long since) throws Exception {
        int last = s.echoed();
        long lastAt = System.nanoTime();
        while (System.nanoTime() - since < 5_000_000_000L) {
            Thread.sleep(10);
            int now = s.echoed();
            if (now != last) {
                last = now;
                lastAt = System.nanoTime();
            } else if (System.nanoTime() - lastAt > 500_000_000L) {
                return Math.max(0, (lastAt - since) / 1_000_000);
            }
        }
        return -1;
    }

    private boolean kernelEnforcesIngress(String endpoint) {
        try {
            return ((ApiResponse.Policy) agent.ask(new ApiRequest.GetPolicy(endpoint))).policy().datapath().ingressEnforced();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitRows(String endpoint, int atLeast) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            EndpointPolicy p = ((ApiResponse.Policy) agent.ask(new ApiRequest.GetPolicy(endpoint))).policy();
            if (p.entries().size() >= atLeast && p.matchesAgent()) return;
            Thread.sleep(20);
        }
        fail(endpoint + " never held " + atLeast + " rows");
    }
}
