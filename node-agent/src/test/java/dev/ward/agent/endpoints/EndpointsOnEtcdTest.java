package dev.ward.agent.endpoints;

import dev.ward.agent.datapath.IpcacheEntry;
import dev.ward.agent.datapath.RecordingDatapath;
import dev.ward.agent.ipcache.KvEndpointRecords;
import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.agentapi.EndpointState;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.EtcdConnection;
import dev.ward.store.kv.EtcdKv;
import dev.ward.testbed.EtcdProcess;
import dev.ward.testbed.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Endpoints, policy and the cluster ipcache of agents on a real etcd, with pods' veths in real network namespaces of
 * this kernel, talked to over the agents' real Unix sockets.
 */
class EndpointsOnEtcdTest {
    static final String RULE1 = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: rule1, namespace: default}
            spec:
              description: "L3-L4 policy to restrict deathstar access to empire ships only"
              endpointSelector: {matchLabels: {org: empire, class: deathstar}}
              ingress:
              - fromEndpoints: [{matchLabels: {org: empire}}]
                toPorts: [{ports: [{port: "80", protocol: TCP}]}]
            """;

    @TempDir
    Path tmp;

    private EtcdProcess etcd;
    private PodNetwork network;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdProcess.start();
        network = new PodNetwork();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        network.close();
        etcd.close();
    }

    private ClusterStore store() {
        return new ClusterStore.KeyValue(new EtcdKv(EtcdConnection.open(List.of(etcd.endpoint()))), new StoreLocation.Etcd(List.of(etcd.endpoint())));
    }

    private EtcdKv kv() {
        EtcdKv kv = new EtcdKv(etcd.endpoint());
        open.add(kv);
        return kv;
    }

    private LocalAgent agent(String node, RecordingDatapath datapath) {
        LocalAgent a = LocalAgent.start(node, store(), tmp.resolve(node), network.nodeNetns(), datapath);
        open.add(a);
        return a;
    }

    private static EndpointInfo ready(List<ApiResponse> answers) {
        assertEquals(2, answers.size(), "accepted, then ready: " + answers);
        assertInstanceOf(ApiResponse.Accepted.class, answers.get(0), answers.toString());
        assertEquals(EndpointState.REGISTERING, ((ApiResponse.Accepted) answers.get(0)).endpoint().state());
        ApiResponse.Ready r = assertInstanceOf(ApiResponse.Ready.class, answers.get(1), answers.toString());
        return r.endpoint();
    }

    private static VerdictTable table(LocalAgent a, String endpoint) {
        return a.loop().call(() -> a.loop().engine().table(endpoint)).join();
    }

    @Test
    void anAddIsAnsweredReadyOnlyOnceTheDatapathEnforcesTheEndpointsFullTable() throws Exception {
        new KvPolicyStore(kv(), KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1", RULE1);
        RecordingDatapath dp = new RecordingDatapath();
        LocalAgent n1 = agent("n1", dp);
        PodNetwork.Pod deathstar = network.pod("10.244.1.10/24");
        EndpointInfo e = ready(n1.add("default", "deathstar", deathstar, Map.of("org", "empire", "class", "deathstar")));

        assertEquals("default/deathstar", e.name());
        assertEquals(List.of("10.244.1.10/32"), e.ips());
        assertEquals(deathstar.veth(), e.veth());
        assertEquals(deathstar.ifindex(), e.vethIfindex());
        assertTrue(e.identity() >= 256, "a cluster identity: " + e.identity());
        assertTrue(e.labels().containsAll(List.of("k8s:org=empire", "k8s:class=deathstar", "k8s:io.kubernetes.pod.namespace=default")), e.labels().toString());

        var held = dp.endpoint("default/deathstar");
        assertNotNull(held, "the datapath holds the endpoint");
        assertEquals(e.identity(), held.endpoint().identity());
        assertEquals(deathstar.veth(), held.endpoint().veth());
        VerdictTable t = table(n1, "default/deathstar");
        assertTrue(held.holds(t), "the datapath holds the endpoint's full table: " + held.entries() + " vs " + t.entries());
        assertTrue(held.enforced(Direction.INGRESS), "rule1 puts the deathstar's ingress on default deny");
        // the order on the engine's loop: ipcache before the table, the table before the attach
        List<String> kinds = dp.calls().stream().map(RecordingDatapath.Call::kind).toList();
        assertEquals("reconcile", kinds.getFirst());
        assertTrue(kinds.lastIndexOf("ipcache") < kinds.lastIndexOf("put"), kinds.toString());
        assertEquals(new IpcacheEntry(e.identity(), "n1"), dp.ipcache().get(dev.ward.netlink.IpPrefix.parse("10.244.1.10/32")));

        // an empire ship (another pod) is let in on 80/TCP; one of another org is not
        PodNetwork.Pod tie = network.pod("10.244.1.11/24");
        EndpointInfo tiefighter = ready(n1.add("default", "tiefighter", tie, Map.of("org", "empire", "class", "tiefighter")));
        PodNetwork.Pod xwing = network.pod("10.244.1.12/24");
        EndpointInfo x = ready(n1.add("default", "xwing", xwing, Map.of("org", "alliance", "class", "xwing")));
        VerdictTable now = table(n1, "default/deathstar");
        assertTrue(dp.endpoint("default/deathstar").holds(now), "new identities reached the deathstar's table in the datapath");
        assertTrue(now.lookup(Direction.INGRESS, tiefighter.identity(), Protocol.TCP, 80).verdict().allowsL4());
        assertFalse(now.lookup(Direction.INGRESS, x.identity(), Protocol.TCP, 80).verdict().allowsL4());

        // the node's record in etcd: its endpoints' addresses and identities
        String record = kv().get(KvEndpointRecords.key("n1")).orElseThrow().text();
        Eventually.await(Duration.ofSeconds(5), "n1's record lists all three", () ->
                kv().get(KvEndpointRecords.key("n1")).orElseThrow().text().contains("10.244.1.12/32"));
        assertTrue(record.contains("\"identity\":" + e.identity()), record);
    }

    @Test
    void aPolicyWrittenToEtcdReachesTheDatapathQuickly() throws Exception {
        RecordingDatapath dp = new RecordingDatapath();
        LocalAgent n1 = agent("n1", dp);
        ready(n1.add("default", "deathstar", network.pod("10.244.1.10/24"), Map.of("org", "empire", "class", "deathstar")));
        KvPolicyStore policies = new KvPolicyStore(kv(), KvPolicyStore.DEFAULT_PREFIX);
        int rounds = 40;
        long[] millis = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            boolean add = i % 2 == 0;
            int callsBefore = dp.calls().size();
            long t0 = System.nanoTime();
            if (add) policies.put("CiliumNetworkPolicy", "default", "rule1", RULE1);
            else policies.delete("CiliumNetworkPolicy", "default", "rule1");
            // The delta that carries this round's change: a later delta of the previous round may also name the table.
            RecordingDatapath.Call c = dp.await(Duration.ofSeconds(10), "the deathstar's table change", call -> call.kind().equals("apply")
                    && dp.calls().indexOf(call) >= callsBefore && ((EngineDelta) call.argument()).tables().containsKey("default/deathstar")
                    && Boolean.valueOf(add).equals(((EngineDelta) call.argument()).tables().get("default/deathstar").ingressEnforced()));
            millis[i] = (c.nanos() - t0) / 1_000_000;
            assertEquals(add, dp.endpoint("default/deathstar").enforced(Direction.INGRESS), "round " + i);
        }
        long[] sorted = millis.clone();
        Arrays.sort(sorted);
        long p50 = sorted[rounds / 2], p99 = sorted[rounds - 1];
        System.out.printf("policy store write -> delta at the datapath (etcd, %d rounds): p50 %d ms, max %d ms%n", rounds, p50, p99);
        assertTrue(p99 < 1000, "a policy change must reach the datapath within 1 s; took up to " + p99 + " ms: " + Arrays.toString(millis));
    }

    @Test
    void everyNodeFollowsTheWholeClustersEndpointsIntoItsIpcache() throws Exception {
        RecordingDatapath dp1 = new RecordingDatapath(), dp2 = new RecordingDatapath();
        LocalAgent n1 = agent("n1", dp1);
        LocalAgent n2 = agent("n2", dp2);
        PodNetwork.Pod p = network.pod("10.244.1.10/24");
        EndpointInfo e = ready(n1.add("default", "deathstar", p, Map.of("org", "empire", "class", "deathstar")));
        var prefix = dev.ward.netlink.IpPrefix.parse("10.244.1.10/32");
        Eventually.await(Duration.ofSeconds(5), "n2's ipcache holds n1's pod", () -> new IpcacheEntry(e.identity(), "n1").equals(dp2.ipcache().get(prefix)));
        Eventually.await(Duration.ofSeconds(5), "n2's engine knows the identity n1 allocated",
                () -> n2.loop().call(() -> n2.loop().engine().identity(e.identity()) != null).join());

        ApiResponse del = n1.client().call(new ApiRequest.DeleteEndpoint("ctr-deathstar", "eth0"), r -> { });
        assertEquals(List.of("default/deathstar"), ((ApiResponse.Ok) del).endpoints().stream().map(EndpointInfo::name).toList());
        assertNull(dp1.endpoint("default/deathstar"), "detached on n1");
        Eventually.await(Duration.ofSeconds(5), "n2 forgets the address", () -> !dp2.ipcache().containsKey(prefix));
        Eventually.await(Duration.ofSeconds(5), "n1's record withdrawn", () -> kv().get(KvEndpointRecords.key("n1")).isEmpty());
        ApiResponse again = n1.client().call(new ApiRequest.DeleteEndpoint("ctr-deathstar", "eth0"), r -> { });
        assertEquals(List.of(), ((ApiResponse.Ok) again).endpoints(), "a second DEL is no error");
    }

    @Test
    void removingANodeWithdrawsItsEndpointsFromEveryIpcache() throws Exception {
        assertTrue(dev.ward.store.NodeRemoval.registered().kinds().stream().anyMatch(k -> k instanceof dev.ward.agent.ipcache.EndpointNodeRecords),
                "endpoints join node removal through the service loader");
        RecordingDatapath dp1 = new RecordingDatapath(), dp2 = new RecordingDatapath();
        LocalAgent n1 = agent("n1", dp1);
        agent("n2", dp2);
        PodNetwork.Pod p = network.pod("10.244.1.11/24");
        EndpointInfo e = ready(n1.add("default", "xwing", p, Map.of("org", "alliance", "class", "xwing")));
        var prefix = dev.ward.netlink.IpPrefix.parse("10.244.1.11/32");
        Eventually.await(Duration.ofSeconds(5), "n2's ipcache holds n1's pod", () -> new IpcacheEntry(e.identity(), "n1").equals(dp2.ipcache().get(prefix)));
        n1.close();
        try (ClusterStore store = store()) {
            List<String> removed = dev.ward.store.NodeRemoval.registered().remove(store, "n1");
            assertTrue(removed.contains("published endpoints"), "removal reports the endpoints it removed: " + removed);
            assertFalse(dev.ward.store.NodeRemoval.registered().remove(store, "n1").contains("published endpoints"), "a second removal finds none");
        }
        assertTrue(kv().get(KvEndpointRecords.key("n1")).isEmpty(), "n1's record is gone from etcd");
        Eventually.await(Duration.ofSeconds(5), "n2 forgets the departed node's pod", () -> !dp2.ipcache().containsKey(prefix));
    }

    @Test
    void aRestartedAgentKnowsItsEndpointsAtOnceAndReconcilesTheDatapathBeforeServing() throws Exception {
        new KvPolicyStore(kv(), KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1", RULE1);
        LocalAgent first = agent("n1", new RecordingDatapath());
        PodNetwork.Pod stays = network.pod("10.244.1.10/24");
        PodNetwork.Pod goes = network.pod("10.244.1.11/24");
        EndpointInfo deathstar = ready(first.add("default", "deathstar", stays, Map.of("org", "empire", "class", "deathstar")));
        ready(first.add("default", "shuttle", goes, Map.of("org", "empire", "class", "shuttle")));
        first.close();
        open.remove(first);
        assertTrue(Files.readString(tmp.resolve("n1").resolve(EndpointRegistryFile.NAME)).contains("default/deathstar"));
        network.cut(goes); // the shuttle's pod went while the agent was down

        RecordingDatapath dp = new RecordingDatapath();
        LocalAgent second = agent("n1", dp);
        RecordingDatapath.Call firstCall = dp.calls().getFirst();
        assertEquals("reconcile", firstCall.kind(), "nothing reaches the datapath before the whole state: " + dp.calls());
        var state = (dev.ward.agent.datapath.DatapathState) firstCall.argument();
        assertEquals(List.of("default/deathstar"), List.copyOf(state.endpoints().keySet()));
        assertEquals(deathstar.identity(), state.endpoints().get("default/deathstar").endpoint().identity(), "the same identity after the restart");
        assertTrue(state.endpoints().get("default/deathstar").table().enforced(Direction.INGRESS), "the reconcile carries rule1's table, not an open one");
        ApiResponse.Ok list = (ApiResponse.Ok) second.client().call(new ApiRequest.ListEndpoints(), r -> { });
        assertEquals(List.of("default/deathstar"), list.endpoints().stream().map(EndpointInfo::name).toList());
        assertEquals(EndpointState.READY, list.endpoints().getFirst().state());
    }

    @Test
    void badAddsFailClosedWithAnErrorNamingThePod() throws Exception {
        RecordingDatapath dp = new RecordingDatapath();
        LocalAgent n1 = agent("n1", dp);
        PodNetwork.Pod p = network.pod("10.244.1.10/24");

        ApiRequest.AddEndpoint noVeth = new ApiRequest.AddEndpoint("ctr-ghost", "eth0", p.netnsPath(), "default", "ghost", Map.of(),
                List.of(new dev.ward.agentapi.IpConfig("10.244.1.20/24", null)), "wvnothere", 9999, null);
        ApiResponse.Failure f = (ApiResponse.Failure) n1.client().call(noVeth, r -> fail("must not be accepted"));
        assertEquals(ApiError.VETH_NOT_FOUND, f.code());
        assertTrue(f.message().contains("pod default/ghost") && f.message().contains("wvnothere"), f.message());

        ApiRequest.AddEndpoint wrongIndex = new ApiRequest.AddEndpoint("ctr-x", "eth0", p.netnsPath(), "default", "x", Map.of(),
                List.of(new dev.ward.agentapi.IpConfig("10.244.1.21/24", null)), p.veth(), p.ifindex() + 1000, null);
        f = (ApiResponse.Failure) n1.client().call(wrongIndex, r -> fail("must not be accepted"));
        assertTrue(f.message().contains("has ifindex " + p.ifindex()), f.message());

        dp.refuse(name -> name.equals("default/full"));
        List<ApiResponse> answers = n1.add("default", "full", p, Map.of("app", "full"));
        assertInstanceOf(ApiResponse.Accepted.class, answers.get(0));
        ApiResponse.Failure refused = assertInstanceOf(ApiResponse.Failure.class, answers.get(1));
        assertEquals(ApiError.DATAPATH_FAILED, refused.code());
        assertTrue(refused.message().contains("pod default/full") && refused.message().contains("policy map full"), refused.message());
        Endpoint failed = n1.manager().list().getFirst();
        assertEquals(EndpointState.FAILED, failed.state());

        dp.refuse(name -> false);
        PodNetwork.Pod q = network.pod("10.244.1.30/24");
        ready(n1.add("default", "owner", q, Map.of("app", "owner")));
        PodNetwork.Pod r = network.pod("10.244.1.30/24");
        ApiResponse.Failure conflict = (ApiResponse.Failure) n1.client().call(LocalAgent.addRequest("default", "thief", r, Map.of()), x -> { });
        assertEquals(ApiError.ADDRESS_CONFLICT, conflict.code());
        assertTrue(conflict.message().contains("10.244.1.30") && conflict.message().contains("default/owner"), conflict.message());
    }
}
