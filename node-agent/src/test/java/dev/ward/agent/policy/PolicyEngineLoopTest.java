package dev.ward.agent.policy;

import dev.ward.agent.datapath.DatapathEndpoint;
import dev.ward.agent.datapath.DatapathException;
import dev.ward.agent.datapath.RecordingDatapath;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class PolicyEngineLoopTest {
    static final String DEATHSTAR = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: rule1, namespace: default}
            spec:
              endpointSelector: {matchLabels: {org: empire, class: deathstar}}
              ingress:
              - fromEndpoints: [{matchLabels: {org: empire}}]
                toPorts: [{ports: [{port: "80", protocol: TCP}]}]
            """;

    private final RecordingDatapath datapath = new RecordingDatapath();
    private final PolicyEngineLoop loop = new PolicyEngineLoop(new PolicyEngine("default"), datapath);

    @AfterEach
    void close() {
        loop.close();
    }

    static Identity pod(int id, String labels) {
        return Identity.of(id, LabelSet.parse("k8s:io.kubernetes.pod.namespace=default,k8s:io.cilium.k8s.policy.cluster=default," + labels, "k8s"));
    }

    static dev.ward.policy.model.Policy policy(String yaml) {
        ParsedDocument d = new PolicyParser().parse(yaml, "test").getFirst();
        assertTrue(d.ok(), d.errors().toString());
        return d.policy();
    }

    @Test
    void nothingReachesTheDatapathBeforeTheFirstReconcileWhichCarriesEverything() {
        Identity deathstar = pod(1000, "k8s:org=empire,k8s:class=deathstar");
        loop.change("policy", e -> e.upsertPolicy(policy(DEATHSTAR))).join();
        loop.change("identity", e -> e.upsertIdentity(deathstar)).join();
        loop.change("endpoint", e -> e.upsertEndpoint(new LocalEndpoint("default/deathstar", deathstar))).join();
        loop.putEndpoint(new DatapathEndpoint("default/deathstar", "veth1", 7, 1000, List.of(IpPrefix.parse("10.0.0.5/32")))).join();
        assertTrue(datapath.calls().isEmpty(), "the datapath keeps what it held until the agent knows everything: " + datapath.calls());
        loop.reconcile().join();
        assertEquals(List.of("reconcile"), datapath.calls().stream().map(RecordingDatapath.Call::kind).toList());
        var held = datapath.endpoint("default/deathstar");
        assertTrue(held.holds(loop.call(() -> loop.engine().table("default/deathstar")).join()), "the reconcile carried the full table");
        assertTrue(held.enforced(dev.ward.policy.model.Direction.INGRESS));
        assertEquals(3, loop.revision(), "the three engine changes are counted though none reached the datapath");
    }

    @Test
    void deltasReachTheDatapathOnTheEngineThreadInTheOrderTheEngineMadeThem() throws Exception {
        loop.reconcile().join();
        List<String> observed = new ArrayList<>();
        loop.addObserver(d -> observed.add(Thread.currentThread().getName()));
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int id = 1000 + i;
            futures.add(loop.change("identity " + id, e -> e.upsertIdentity(pod(id, "k8s:app=a" + id))));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        List<RecordingDatapath.Call> applies = datapath.calls().stream().filter(c -> c.kind().equals("apply")).toList();
        assertEquals(200, applies.size());
        for (RecordingDatapath.Call c : applies) assertEquals("ward-policy-engine", c.thread());
        for (int i = 1; i < applies.size(); i++) assertTrue(applies.get(i - 1).nanos() <= applies.get(i).nanos());
        assertEquals(200, observed.size());
        assertEquals(List.of("ward-policy-engine"), observed.stream().distinct().toList());
        assertThrows(IllegalStateException.class, loop::engine, "the engine is not to be touched off its thread");
    }

    @Test
    void aFailedCallIsRepairedByAFullReconcile() {
        loop.reconcile().join();
        Identity deathstar = pod(1000, "k8s:org=empire,k8s:class=deathstar");
        loop.change("endpoint", e -> e.upsertEndpoint(new LocalEndpoint("default/deathstar", deathstar))).join();
        datapath.refuse(name -> true);
        CompletableFuture<Void> put = loop.putEndpoint(new DatapathEndpoint("default/deathstar", "veth1", 7, 1000, List.of(IpPrefix.parse("10.0.0.5/32"))));
        var e = assertThrows(java.util.concurrent.CompletionException.class, put::join);
        assertInstanceOf(DatapathException.class, e.getCause());
        datapath.refuse(name -> false);
        RecordingDatapath.Call repair = datapath.await(Duration.ofSeconds(5), "repair", c -> c.kind().equals("reconcile") && c.subject().contains("deathstar"));
        assertNotNull(repair);
        assertNotNull(datapath.endpoint("default/deathstar"), "the repair put the endpoint the failed call could not");
    }

    @Test
    void theDnsProxyPortHandsItsDeltasOnWithoutTheObservers() {
        loop.reconcile().join();
        AtomicInteger observed = new AtomicInteger();
        loop.addObserver(d -> observed.incrementAndGet());
        EngineDelta learned = loop.call(() -> loop.engine().learnFqdn("api.example.com", List.of(java.net.InetAddress.getByName("192.0.2.10")))).join();
        loop.call(() -> loop.toDatapath(learned)).join().join();
        assertEquals(0, observed.get(), "the proxy told its own views");
        assertTrue(datapath.ipcache().containsKey(IpPrefix.parse("192.0.2.10/32")), "a learned address's node-local identity is in the ipcache");
        assertThrows(IllegalStateException.class, () -> loop.toDatapath(learned), "only on the engine's thread");
    }
}
