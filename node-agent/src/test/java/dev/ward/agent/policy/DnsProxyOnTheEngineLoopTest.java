package dev.ward.agent.policy;

import dev.ward.agent.datapath.RecordingDatapath;
import dev.ward.dnsproxy.EnginePolicyHost;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The DNS proxy's engine host on the agent's engine loop, as the agent will wire it: the learner's deltas go to the
 * agent's datapath from the loop's thread, in one order with the agent's own changes, and the proxy's rule view
 * follows the agent's changes as an observer.
 */
class DnsProxyOnTheEngineLoopTest {
    static final String FQDN = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: to-api, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              egress:
              - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, "k8s:k8s-app": kube-dns}}]
                toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.example.com"}]}}]
              - toFQDNs: [{matchPattern: "*.example.com"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            """;

    private final RecordingDatapath datapath = new RecordingDatapath();
    private final PolicyEngineLoop loop = new PolicyEngineLoop(new dev.ward.policy.compute.PolicyEngine("default"), datapath);
    private EnginePolicyHost host;

    @AfterEach
    void close() {
        if (host != null) host.close();
        loop.close();
    }

    @Test
    void learnedNamesReachTheAgentsDatapathInOneOrderWithTheAgentsChanges() throws Exception {
        loop.reconcile().join();
        Identity client = PolicyEngineLoopTest.pod(1000, "k8s:app=client");
        host = loop.call(() -> new EnginePolicyHost(loop.engine(), loop.executor(), a -> ReservedIdentity.WORLD.id(), loop::toDatapath,
                OpenConnections.NONE, null, EngineFqdnLearner.Settings.DEFAULT, Clock.systemUTC(), null, () -> { })).join();
        loop.addObserver(host::engineChanged);
        loop.change("policy", e -> e.upsertPolicy(PolicyEngineLoopTest.policy(FQDN))).join();
        loop.change("identity", e -> e.upsertIdentity(client)).join();
        loop.change("endpoint", e -> e.upsertEndpoint(new LocalEndpoint("default/client", client))).join();
        loop.call(() -> {
            host.rules().setEndpoint("default/client", client.id(), List.of(InetAddress.getByName("10.244.1.5")));
            return null;
        }).join();

        InetAddress api = InetAddress.getByName("192.0.2.10");
        CompletableFuture<Void> learned = host.learner().learn("default/client", "api.example.com", List.of(api), 30);
        CompletableFuture<Void> after = loop.change("a later identity", e -> e.upsertIdentity(PolicyEngineLoopTest.pod(1001, "k8s:app=other")));
        learned.get(5, TimeUnit.SECONDS);
        after.get(5, TimeUnit.SECONDS);

        List<RecordingDatapath.Call> applies = datapath.calls().stream().filter(c -> c.kind().equals("apply")).toList();
        int learnAt = -1;
        for (int i = 0; i < applies.size(); i++) {
            EngineDelta d = (EngineDelta) applies.get(i).argument();
            if (d.identitiesAdded().stream().anyMatch(id -> id.prefix() != null && id.prefix().contains(dev.ward.policy.model.Cidr.host(api)))) learnAt = i;
            assertEquals("ward-policy-engine", applies.get(i).thread(), "every delta reaches the datapath from the engine's thread");
        }
        assertTrue(learnAt >= 0, "the learned address's delta reached the agent's datapath: " + applies);
        assertEquals(applies.size() - 2, learnAt, "the learn, queued first, reached the datapath before the agent's later change");
        assertTrue(datapath.ipcache().containsKey(IpPrefix.parse("192.0.2.10/32")), "its node-local identity is in the ipcache");
        int apiIdentity = datapath.ipcache().get(IpPrefix.parse("192.0.2.10/32")).identity();
        var row = datapath.endpoint("default/client");
        assertNull(row, "the endpoint was never put into the datapath here; its table is the engine's");
        var table = loop.call(() -> loop.engine().table("default/client")).join();
        assertTrue(table.lookup(Direction.EGRESS, apiIdentity, Protocol.TCP, 443).verdict().allowsL4(), "toFQDNs now allows the learned address");
        assertEquals(loop.revision(), applies.size(), "every engine change, the proxy's included, went to the datapath once");
    }
}
