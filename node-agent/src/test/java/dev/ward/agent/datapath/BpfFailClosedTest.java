package dev.ward.agent.datapath;

import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.agentapi.EndpointState;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.Traffic;
import dev.ward.bpf.maps.EndpointValue;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.store.KvPolicyStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import static dev.ward.bpf.TestPolicies.STAR_WARS_RULE1;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What the kernel refuses, through the whole agent on this host's BPF datapath: a full policy map, a program the
 * verifier refuses, a veth that disappears, a CNI ADD for a namespace that is gone. Each is a clear error naming the
 * endpoint, a metric in the agent's registry, and the endpoint failed closed in the affected direction (real traffic
 * shows it dropped), nothing half-applied.
 */
class BpfFailClosedTest {
    @TempDir
    Path tmp;

    private PodNode node;
    private BpfAgent agent;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void wire() throws Exception {
        node = new PodNode();
        new KvPolicyStore(BpfAgent.kv(tmp), KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1", STAR_WARS_RULE1);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        if (agent != null) agent.close();
        node.close();
    }

    private ApiResponse add(Pod p, String name, java.util.Map<String, String> labels) throws Exception {
        return agent.ask(node.add(p, name, labels));
    }

    private EndpointInfo listed(String name) throws Exception {
        return ((ApiResponse.Ok) agent.ask(new ApiRequest.ListEndpoints())).endpoints().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aFullPolicyMapFailsTheAddNamingThePodAndLeavesItsIngressDropped() throws Exception {
        agent = BpfAgent.start(node, tmp, Duration.ofHours(1), c -> c.withPolicyEntries(1));
        Pod tiefighter = node.addPod(), deathstar = node.addPod();
        assertInstanceOf(ApiResponse.Ready.class, add(tiefighter, "tiefighter", BpfDatapathAgentTest.TIEFIGHTER));
        open.add(Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80));

        ApiResponse r = add(deathstar, "deathstar", BpfDatapathAgentTest.DEATHSTAR);
        ApiResponse.Failure f = assertInstanceOf(ApiResponse.Failure.class, r, r.toString());
        assertEquals(ApiError.DATAPATH_FAILED, f.code());
        assertTrue(f.message().contains("pod default/deathstar") && f.message().contains("policy map full")
                && f.message().contains("needs 2 entries, the map holds 1"), f.message());
        assertEquals(1, agent.metric("ward_datapath_endpoint_failures", "reason", "policy-map-full"));
        assertEquals(1, agent.metric("ward_endpoint_add_failures", "reason", "datapath-failed"));
        assertEquals(1, agent.metric("ward_datapath_endpoints_failed_closed", "direction", "ingress"));

        EndpointInfo e = listed("default/deathstar");
        assertEquals(EndpointState.FAILED, e.state());
        assertEquals(List.of("ingress"), e.datapath().lockedDirections(), "the kernel holds it locked in the direction that did not fit");
        assertFalse(Traffic.tcpConnects(tiefighter, deathstar.ipv4(), 80), "rule1 would allow the tiefighter: the endpoint is failed closed instead");
    }

    @Test
    void aRefusedProgramIsReportedWithItsDirectionAndThatDirectionDropsEverything() throws Exception {
        byte[] refused;
        try (InputStream in = getClass().getResourceAsStream("/dev/ward/bpf/refused_to_pod.o")) {
            refused = in.readAllBytes();
        }
        agent = BpfAgent.start(node, tmp, Duration.ofHours(1), c -> c.withProgram(refused));
        assertEquals(1, agent.metric("ward_datapath_program_refused", "direction", "ingress"));
        assertEquals(0, agent.metric("ward_datapath_program_refused", "direction", "egress"));
        Pod tiefighter = node.addPod(), deathstar = node.addPod();
        open.add(Traffic.tcpEchoServer(deathstar, deathstar.ipv4(), 80));

        ApiResponse.Failure f = assertInstanceOf(ApiResponse.Failure.class, add(deathstar, "deathstar", BpfDatapathAgentTest.DEATHSTAR));
        assertEquals(ApiError.DATAPATH_FAILED, f.code());
        assertTrue(f.message().contains("pod default/deathstar") && f.message().contains("to_pod"), f.message());
        assertTrue(agent.metric("ward_datapath_endpoint_failures", "reason", "program-refused") >= 1);
        assertFalse(Traffic.tcpConnects(tiefighter, deathstar.ipv4(), 80), "its ingress runs the drop-all program");
    }

    @Test
    void aVethThatDisappearsFailsTheChangeNamingTheEndpointAndLocksIt() throws Exception {
        agent = BpfAgent.start(node, tmp, Duration.ofHours(1));
        Pod tiefighter = node.addPod(), deathstar = node.addPod();
        assertInstanceOf(ApiResponse.Ready.class, add(tiefighter, "tiefighter", BpfDatapathAgentTest.TIEFIGHTER));
        assertInstanceOf(ApiResponse.Ready.class, add(deathstar, "deathstar", BpfDatapathAgentTest.DEATHSTAR));
        int ifindex = listed("default/deathstar").vethIfindex();
        node.cut(deathstar);

        var policy = new PolicyParser().parse("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: empire-https, namespace: default}
                spec:
                  endpointSelector: {matchLabels: {class: deathstar}}
                  ingress:
                  - fromEndpoints: [{matchLabels: {org: empire}}]
                    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
                """, "empire-https.yaml").getFirst().policy();
        CompletionException failed = assertThrows(CompletionException.class,
                () -> agent.loop().change("test", engine -> engine.upsertPolicy(policy)).join());
        String message = failed.getCause().getMessage();
        assertTrue(message.contains("endpoint default/deathstar") && message.contains("veth " + deathstar.veth()) && message.contains("not found"), message);
        assertTrue(agent.metric("ward_datapath_endpoint_failures", "reason", "veth-gone") >= 1);
        EndpointValue kernel = new PinnedMaps(node.pinRoot()).endpoints().get(ifindex);
        assertTrue(kernel.locked(dev.ward.policy.model.Direction.INGRESS) && kernel.locked(dev.ward.policy.model.Direction.EGRESS),
                "whatever takes the ifindex next meets a locked endpoint: " + kernel);
        assertEquals(1, agent.metric("ward_datapath_endpoints_failed_closed", "direction", "egress"));
        assertFalse(Traffic.ping(deathstar, tiefighter.ipv4()), "the deathstar has no way out");
    }

    @Test
    void addsForAGoneNamespaceOrAMissingVethAreCountedByReasonAndProgramNothing() throws Exception {
        agent = BpfAgent.start(node, tmp, Duration.ofHours(1));
        Pod pod = node.addPod();
        // what the CNI plugin reports when CNI_NETNS is gone before it could register the pod
        assertInstanceOf(ApiResponse.Ok.class, agent.ask(new ApiRequest.ReportAddFailure("c0ffee", "eth0", "default", "web-1",
                ApiError.NETNS_NOT_FOUND, "ward: pod default/web-1 (container c0ffee): network namespace /run/netns/gone does not exist")));
        assertEquals(1, agent.metric("ward_endpoint_add_failures", "reason", "netns-not-found"));

        ApiRequest.AddEndpoint wrongVeth = node.add(pod, "web-2", BpfDatapathAgentTest.TIEFIGHTER);
        node.cut(pod);
        ApiResponse.Failure f = assertInstanceOf(ApiResponse.Failure.class, agent.ask(wrongVeth));
        assertEquals(ApiError.VETH_NOT_FOUND, f.code());
        assertTrue(f.message().contains("pod default/web-2") && f.message().contains("no link " + pod.veth()), f.message());
        assertEquals(1, agent.metric("ward_endpoint_add_failures", "reason", "veth-not-found"));
        assertTrue(new PinnedMaps(node.pinRoot()).endpoints().isEmpty(), "nothing was attached");
    }
}
