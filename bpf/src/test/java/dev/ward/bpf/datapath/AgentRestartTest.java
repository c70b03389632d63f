package dev.ward.bpf.datapath;

import dev.ward.bpf.lab.AgentProcess;
import dev.ward.bpf.lab.DeniedProbe;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.StreamProbe;
import dev.ward.bpf.lab.Traffic;
import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.maps.PortPrefix;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent dies by SIGKILL with traffic flowing: programs and pinned maps stay, allowed traffic loses nothing
 * and denied traffic stays denied while it is down; the next agent reopens the pins, moves the endpoints onto
 * its own programs (an atomic filter replacement) and reconciles: stale entries removed, missing ones added.
 */
class AgentRestartTest {
    private PodLab lab;
    private Process agent;

    @AfterEach
    void close() throws Exception {
        if (agent != null && agent.isAlive()) agent.destroyForcibly().waitFor();
        if (lab != null) lab.close();
    }

    private Process startAgent(Path pinRoot, Pod client, Pod server) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), AgentProcess.class.getName(),
                pinRoot.toString(), lab.node(), client.veth(), client.ipv4().getHostAddress(), server.veth(), server.ipv4().getHostAddress()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder log = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = out.readLine();
            if (line == null) break;
            log.append(line).append('\n');
            if (line.equals("ready")) {
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
                return p;
            }
        }
        p.destroyForcibly();
        throw new AssertionError("the agent process did not get ready:\n" + log);
    }

    @Test
    void aKilledAgentLeavesEnforcementInPlaceAndTheNextOneReconcilesWithoutAWindow() throws Exception {
        lab = PodLab.create(2);
        lab.closeDatapath();
        Pod client = lab.pod(1);
        Pod server = lab.pod(2);
        Path pinRoot = lab.config().pinRoot();
        agent = startAgent(pinRoot, client, server);

        try (AutoCloseable allowed = Traffic.tcpEchoServer(server, server.ipv4(), 8080);
             AutoCloseable denied = Traffic.tcpEchoServer(server, server.ipv4(), 8081);
             StreamProbe stream = new StreamProbe(client, server.ipv4(), 8080);
             DeniedProbe probe = new DeniedProbe(client, server.ipv4(), 8081)) {
            Thread.sleep(500);
            agent.destroyForcibly();
            assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, agent.exitValue(), "killed by SIGKILL");
            Thread.sleep(1000);

            // While no agent runs, something drifts: a stale allow and a stale ipcache entry appear.
            int serverId = readEndpointId(pinRoot, "server");
            try (BpfMap m = BpfMap.owned(Libbpf.getPinned(pinRoot.resolve("ward_pol_" + serverId).toString()), "server", PolicyKey.SIZE, PolicyValue.SIZE)) {
                m.update(new PolicyKey(1001, Direction.INGRESS, Protocol.TCP, new PortPrefix(9999, 16)).encode(),
                        new PolicyValue(Verdict.Kind.ALLOW, 0, 0).encode());
            }
            int oldProgram = lab.datapath() == null ? attachedProgram(server) : -1;

            Datapath dp = Datapath.open(lab.config());
            lab.adopt(dp);
            assertTrue(dp.openProblems().isEmpty(), dp.openProblems().toString());
            assertEquals(List.of("client", "server"), dp.endpoints().stream().map(EndpointRecord::name).sorted().toList());
            assertTrue(dp.endpoint("server").enforced(Direction.INGRESS));
            assertFalse(dp.endpoint("server").locked(Direction.INGRESS));
            assertNotEquals(oldProgram, attachedProgram(server), "the new agent's program replaced the old one on the veth");
            dp.ipcache().upsert(IpPrefix.parse("10.99.0.0/16"), 4242);

            PolicyEngine engine = AgentProcess.AgentPolicies.engine();
            Map<String, VerdictTable> tables = Map.of("client", engine.table("client"), "server", engine.table("server"));
            Map<IpPrefix, Integer> ipcache = new HashMap<>();
            ipcache.put(IpPrefix.host(client.ipv4()), 1001);
            ipcache.put(IpPrefix.host(server.ipv4()), 1002);
            ipcache.put(IpPrefix.parse("10.98.0.0/16"), 4343);
            ReconcileReport report = dp.reconcile(tables, ipcache);
            assertTrue(report.result().ok(), report.result().failures().toString());
            assertEquals(Map.of("client", 0, "server", 1), report.writesByEndpoint(), "only the stale allow needed a write");
            assertEquals(3, report.result().writes(), "the stale allow and stale prefix removed, the missing prefix added");
            assertEquals(ipcache, dp.ipcache().entries());
            assertEquals(new WritePlannerView(dp).rows(engine.table("server")), dp.policyRows("server"));

            Thread.sleep(500);
            stream.stop();
            assertNull(stream.problem());
            assertTrue(stream.sent() > 150, "the stream ran throughout: " + stream.sent());
            assertEquals(0, stream.lost(), "allowed traffic lost nothing across kill, restart and reconcile");
            assertTrue(probe.attempts() > 8, "denied probes tried: " + probe.attempts());
            assertEquals(0, probe.succeeded(), "denied traffic stayed denied throughout");
        }
    }

    private int readEndpointId(Path pinRoot, String name) {
        try (BpfMap m = BpfMap.owned(Libbpf.getPinned(pinRoot.resolve("ward_endpoints").toString()), "ward_endpoints", 4,
                dev.ward.bpf.maps.EndpointValue.SIZE)) {
            for (BpfMap.Element e : m.elements()) {
                dev.ward.bpf.maps.EndpointValue v = dev.ward.bpf.maps.EndpointValue.decode(e.value());
                if (v.name().equals(name)) return v.endpointId();
            }
        }
        throw new AssertionError("no endpoint " + name + " pinned");
    }

    private int attachedProgram(Pod p) {
        return new TcHooks(lab.node()).attachedProgramId(new TcHooks(lab.node()).ifindexOf(p.veth()), Direction.INGRESS);
    }
}
