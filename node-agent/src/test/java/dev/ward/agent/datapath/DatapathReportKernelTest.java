package dev.ward.agent.datapath;

import dev.ward.agent.datapath.status.DatapathReport;
import dev.ward.agent.datapath.status.DatapathReportSubsystem;
import dev.ward.agent.datapath.status.DatapathReporter;
import dev.ward.agent.datapath.status.DatapathReports;
import dev.ward.agent.datapath.status.KvDatapathReports;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.bpf.lab.Pod;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import static dev.ward.bpf.TestPolicies.STAR_WARS_RULE1;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The agent's datapath report, from the whole agent on this host's BPF datapath to its store: it follows what the
 * kernel holds (endpoints, one failed closed by a full policy map and the reason, then repaired), a proxy port once
 * it is registered, a program the verifier refused; and nothing is written while nothing changes.
 */
class DatapathReportKernelTest {
    private static final Duration LOOK_EVERY = Duration.ofMillis(100);

    @TempDir
    Path tmp;

    private PodNode node;
    private BpfAgent agent;

    @BeforeEach
    void wire() throws Exception {
        node = new PodNode();
        new KvPolicyStore(BpfAgent.kv(tmp), KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1", STAR_WARS_RULE1);
    }

    @AfterEach
    void close() {
        if (agent != null) agent.close();
        node.close();
    }

    private BpfAgent start(UnaryOperator<dev.ward.bpf.datapath.DatapathConfig> datapath) {
        return BpfAgent.start(node, tmp, Duration.ofHours(1), datapath, List.of(new DatapathReportSubsystem(LOOK_EVERY)));
    }

    /** The report as the store holds it, read as {@code wardctl status} reads it. */
    private DatapathReport stored() {
        try (ClusterStore store = new ClusterStore.KeyValue(BpfAgent.kv(tmp), new StoreLocation.Directory(BpfAgent.store(tmp)))) {
            return DatapathReports.on(store).all().stream().filter(r -> r.node().equals("n1")).findFirst().orElse(null);
        }
    }

    private DatapathReport await(String what, Predicate<DatapathReport> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        DatapathReport r;
        while (!condition.test(r = stored())) {
            if (System.nanoTime() > deadline) fail("timed out waiting for the report to show " + what + "; it says " + r);
            Thread.sleep(20);
        }
        return r;
    }

    private long storedVersion() {
        return BpfAgent.kv(tmp).get(KvDatapathReports.key("n1")).orElseThrow().version();
    }

    @Test
    void theReportFollowsTheKernelsEndpointsALockAndItsReasonAndTheProxyPorts() throws Exception {
        agent = start(c -> c.withPolicyEntries(1));
        DatapathReport first = stored();
        assertNotNull(first, "the first report is written before the subsystem's start returns");
        assertEquals("bpf", first.datapath());
        assertEquals(0, first.endpoints());
        assertTrue(first.failsNothingClosed() && first.proxies().isEmpty(), first.toString());

        Pod tiefighter = node.addPod(), deathstar = node.addPod();
        assertInstanceOf(ApiResponse.Ready.class, agent.ask(node.add(tiefighter, "tiefighter", BpfDatapathAgentTest.TIEFIGHTER)));
        DatapathReport one = await("the tiefighter", r -> r.endpoints() == 1);
        assertTrue(one.failsNothingClosed(), one.toString());

        // Nothing changes: no write, whatever the number of looks.
        long version = storedVersion();
        Thread.sleep(LOOK_EVERY.toMillis() * 8);
        assertEquals(version, storedVersion(), "an unchanged report is not written again before the heartbeat");
        assertEquals(one, stored());

        agent.agent.service(ProxyPortTable.class).register("dns", 40053);
        DatapathReport proxied = await("the DNS proxy's port", r -> !r.proxies().isEmpty());
        assertEquals(Map.of("dns", 40053), proxied.proxies());

        // rule1 selects the deathstar: two ingress entries do not fit a policy map of one.
        assertInstanceOf(ApiResponse.Failure.class, agent.ask(node.add(deathstar, "deathstar", BpfDatapathAgentTest.DEATHSTAR)));
        DatapathReport locked = await("the deathstar failed closed", r -> !r.locked().isEmpty());
        assertEquals(2, locked.endpoints());
        DatapathReport.LockedEndpoint lock = locked.locked().getFirst();
        assertEquals("default/deathstar", lock.name());
        assertEquals(List.of("ingress"), lock.directions());
        assertTrue(lock.reason().startsWith("policy-map-full: ") && lock.reason().contains("needs 2 entries, the map holds 1"), lock.reason());
        assertEquals(Map.of("dns", 40053), locked.proxies());
        assertFalse(locked.failsNothingClosed());

        // The pod goes (its CNI DEL): nothing is failed closed any more.
        assertInstanceOf(ApiResponse.Ok.class, agent.ask(new ApiRequest.DeleteEndpoint("ctr-deathstar", "eth0")));
        DatapathReport repaired = await("the lock gone with the deathstar", r -> r.locked().isEmpty());
        assertEquals(1, repaired.endpoints());
        assertTrue(repaired.updatedAt().isAfter(locked.updatedAt()));

        agent.agent.service(ProxyPortTable.class).unregister("dns");
        assertEquals(Map.of(), await("the DNS proxy gone", r -> r.proxies().isEmpty()).proxies());
        assertTrue(agent.agent.service(DatapathReporter.class).written().sameStateAs(stored()));
    }

    @Test
    void aProgramTheVerifierRefusedIsInTheReportWithItsDirection() throws Exception {
        byte[] refused;
        try (InputStream in = getClass().getResourceAsStream("/dev/ward/bpf/refused_to_pod.o")) {
            refused = in.readAllBytes();
        }
        agent = start(c -> c.withProgram(refused));
        DatapathReport r = stored();
        assertEquals(List.of("ingress"), List.copyOf(r.refusedPrograms().keySet()), r.toString());
        assertTrue(r.refusedPrograms().get("ingress").contains("refused by the kernel's verifier"), r.refusedPrograms().toString());
        assertFalse(r.refusedPrograms().get("ingress").contains("-- verifier log --"), "the verifier's log is for the agent's log");
        assertFalse(r.failsNothingClosed());
    }
}
