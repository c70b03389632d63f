package dev.ward.agent.datapath;

import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.agentapi.EndpointPolicy;
import dev.ward.bpf.lab.DeniedProbe;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.StreamProbe;
import dev.ward.bpf.lab.TcpRetransmits;
import dev.ward.bpf.lab.Traffic;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.maps.PortPrefix;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.store.KvPolicyStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.ward.bpf.TestPolicies.STAR_WARS_RULE1;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The agent (its real subsystems on the BPF datapath, in its own JVM) stopped with SIGTERM and killed with SIGKILL
 * while an allowed flow and denied probes run: the programs and pinned maps keep enforcing, the allowed flow loses no
 * segment and no denied connection gets through, and each next agent reconciles the maps with what it computes:
 * entries planted while it was down removed, one deleted added back, with no moment of open policy.
 */
class BpfAgentRestartTest {
    @TempDir
    Path tmp;

    private PodNode node;
    private Process agent;

    @AfterEach
    void close() throws Exception {
        if (agent != null && agent.isAlive()) agent.destroyForcibly().waitFor();
        if (node != null) node.close();
    }

    private Process startAgent() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), BpfAgentProcess.class.getName(),
                node.netns(), node.pinRoot().toString(), tmp.toString(), "3600"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder log = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = out.readLine();
            if (line == null) break;
            log.append(line).append('\n');
            if (line.equals("ready")) {
                Thread.ofVirtual().start(() -> out.lines().forEach(System.out::println));
                return p;
            }
        }
        p.destroyForcibly();
        throw new AssertionError("the agent did not get ready:\n" + log);
    }

    private ApiResponse ask(ApiRequest r) throws Exception {
        return new AgentClient(BpfAgent.socket(tmp), Duration.ofSeconds(30)).call(r, x -> { });
    }

    private EndpointInfo endpoint(String name) throws Exception {
        return ((ApiResponse.Ok) ask(new ApiRequest.ListEndpoints())).endpoints().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void stoppedAndKilledAgentsLeaveEnforcementInPlaceAndTheNextReconcilesWithoutAWindow() throws Exception {
        node = new PodNode();
        Pod tiefighter = node.addPod(), xwing = node.addPod(), deathstar = node.addPod();
        new KvPolicyStore(BpfAgent.kv(tmp), KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1", STAR_WARS_RULE1);
        agent = startAgent();
        for (var p : List.of(Map.entry(tiefighter, "tiefighter"), Map.entry(xwing, "xwing"), Map.entry(deathstar, "deathstar"))) {
            Map<String, String> labels = switch (p.getValue()) {
                case "tiefighter" -> BpfDatapathAgentTest.TIEFIGHTER;
                case "xwing" -> BpfDatapathAgentTest.XWING;
                default -> BpfDatapathAgentTest.DEATHSTAR;
            };
            assertInstanceOf(ApiResponse.Ready.class, ask(node.add(p.getKey(), p.getValue(), labels)));
        }
        EndpointInfo ds = endpoint("default/deathstar");
        int dsId = ds.datapath().endpointId();
        int xwingIdentity = endpoint("default/xwing").identity();
        PinnedMaps pins = new PinnedMaps(node.pinRoot());
        Map<PolicyKey, PolicyValue> before = pins.policy(dsId);
        PolicyKey selfRow = new PolicyKey(ds.identity(), Direction.INGRESS, Protocol.TCP, new PortPrefix(80, 16));
        assertTrue(before.containsKey(selfRow), "rule1 lets the deathstar's own identity in on 80: " + before);

        try (AutoCloseable server = Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80);
             StreamProbe stream = new StreamProbe(tiefighter, deathstar.ipv4(), 80);
             DeniedProbe denied = new DeniedProbe(xwing, deathstar.ipv4(), 80)) {
            Thread.sleep(500);

            // an orderly stop (an upgrade): the next agent takes over the pins
            agent.destroy();
            assertTrue(agent.waitFor(20, TimeUnit.SECONDS));
            int echoedBefore = stream.echoed();
            long down = System.nanoTime();
            Thread.sleep(1000);
            assertTrue(stream.echoed() > echoedBefore + 50, "the stream kept flowing with no agent: " + (stream.echoed() - echoedBefore));
            agent = startAgent();
            long sigtermGap = (System.nanoTime() - down) / 1_000_000;
            assertTrue(((ApiResponse.Policy) ask(new ApiRequest.GetPolicy("default/deathstar"))).policy().matchesAgent());

            // a crash: while no agent runs, the deathstar's map gains a stale allow and loses a row it should hold
            agent.destroyForcibly();
            assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, agent.exitValue(), "killed by SIGKILL");
            down = System.nanoTime();
            PolicyKey stale = new PolicyKey(xwingIdentity, Direction.INGRESS, Protocol.TCP, new PortPrefix(9999, 16));
            pins.putPolicy(dsId, stale, new PolicyValue(Verdict.Kind.ALLOW, 0, 0));
            assertTrue(pins.deletePolicy(dsId, selfRow));
            IpPrefix strayPrefix = IpPrefix.parse("10.99.0.0/16");
            pins.putIpcache(strayPrefix, xwingIdentity);
            agent = startAgent();
            long sigkillGap = (System.nanoTime() - down) / 1_000_000;

            EndpointPolicy after = ((ApiResponse.Policy) ask(new ApiRequest.GetPolicy("default/deathstar"))).policy();
            assertTrue(after.matchesAgent(), "the restarted agent's reconcile left the kernel holding exactly its table: " + after);
            assertEquals(before, pins.policy(dsId), "read from the pins: the stale allow gone, the deleted row back, nothing else changed");
            assertFalse(pins.ipcache().containsKey(strayPrefix), "the stray ipcache prefix removed");
            assertEquals(dsId, endpoint("default/deathstar").datapath().endpointId(), "the same datapath endpoint, never detached");

            Thread.sleep(500);
            stream.stop();
            assertNull(stream.problem());
            assertEquals(0, stream.lost(), "every line of the allowed flow came back across both restarts");
            assertEquals(0, TcpRetransmits.to(tiefighter.netns(), deathstar.ipv4()) + TcpRetransmits.to(deathstar.netns(), tiefighter.ipv4()),
                    "and no segment of it was dropped");
            assertTrue(denied.attempts() > 10, "denied probes kept trying: " + denied.attempts());
            assertEquals(0, denied.succeeded(), "no denied connection got through, before, during or after either restart");
            System.out.printf("agent restarts under traffic: SIGTERM -> serving again %d ms, SIGKILL -> serving again %d ms; %d lines streamed,"
                    + " 0 lost, 0 retransmitted; %d denied attempts, 0 through%n", sigtermGap, sigkillGap, stream.sent(), denied.attempts());
        }
    }
}
