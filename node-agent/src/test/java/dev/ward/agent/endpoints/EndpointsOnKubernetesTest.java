package dev.ward.agent.endpoints;

import dev.ward.agent.datapath.IpcacheEntry;
import dev.ward.agent.datapath.RecordingDatapath;
import dev.ward.agent.ipcache.KubernetesEndpointRecords;
import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.store.ClusterStore;
import dev.ward.testbed.Eventually;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The agent on the Kubernetes API (fabric8's mock server in CRUD mode, Ward's CRDs from deploy/crds installed): the
 * node's Pods through an informer with a spec.nodeName field selector, relabelling, CiliumNetworkPolicy and
 * NetworkPolicy objects through informers, and WardNodeEndpoints between nodes.
 */
class EndpointsOnKubernetesTest {
    @TempDir
    Path tmp;

    private KubernetesMockServer server;
    private final NodeNameSelectingDispatcher dispatcher = new NodeNameSelectingDispatcher();
    private KubernetesClient admin;
    private PodNetwork network;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        admin = server.createClient();
        Path crds = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/crds");
        try (Stream<Path> files = Files.list(crds)) {
            for (Path f : files.sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    for (Object o : admin.load(in).items()) admin.resource((CustomResourceDefinition) o).create();
                }
            }
        }
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default")
                .withLabels(Map.of("kubernetes.io/metadata.name", "default", "galaxy", "far-far-away")).endMetadata().build()).create();
        network = new PodNetwork();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        network.close();
        admin.close();
        server.destroy();
    }

    private LocalAgent agent(String node, RecordingDatapath dp) {
        LocalAgent a = LocalAgent.start(node, new ClusterStore.Kubernetes(server.createClient()), tmp.resolve(node), network.nodeNetns(), dp);
        open.add(a);
        return a;
    }

    private void pod(String name, String node, Map<String, String> labels) {
        admin.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("default")
                .withLabels(labels).endMetadata().withNewSpec().withNodeName(node).withServiceAccountName("imperial").endSpec().build()).create();
    }

    private void policy(String yaml) {
        GenericKubernetesResource r = admin.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
        admin.resource(r).inNamespace("default").create();
    }

    private static EndpointInfo ready(List<ApiResponse> answers) {
        return assertInstanceOf(ApiResponse.Ready.class, answers.getLast(), answers.toString()).endpoint();
    }

    @Test
    void theNodesPodsGiveEndpointsTheirLabelsAndARelabelledPodGetsANewIdentity() throws Exception {
        policy(EndpointsOnEtcdTest.RULE1);
        pod("deathstar", "n1", Map.of("org", "empire", "class", "deathstar"));
        pod("elsewhere", "n2", Map.of("org", "empire", "class", "tiefighter"));
        RecordingDatapath dp = new RecordingDatapath();
        LocalAgent n1 = agent("n1", dp);

        // The runtime's labels are ignored: the Pod's are the truth.
        EndpointInfo e = ready(n1.add("default", "deathstar", network.pod("10.244.1.10/24"), Map.of("org", "rebels")));
        assertTrue(e.labels().containsAll(List.of("k8s:org=empire", "k8s:class=deathstar", "k8s:io.cilium.k8s.policy.serviceaccount=imperial",
                "k8s:io.cilium.k8s.namespace.labels.galaxy=far-far-away")), e.labels().toString());
        assertTrue(dp.endpoint("default/deathstar").enforced(Direction.INGRESS), "rule1, read through the CiliumNetworkPolicy informer, applies");

        // The agent asks for its node's Pods only; a pod of another node never gives an endpoint its labels.
        assertTrue(dispatcher.podSelectors.contains("spec.nodeName=n1"), dispatcher.podSelectors.toString());
        List<ApiResponse> other = n1.add("default", "elsewhere", network.pod("10.244.1.11/24"), Map.of());
        ApiResponse.Failure f = assertInstanceOf(ApiResponse.Failure.class, other.getLast());
        assertEquals(ApiError.POD_UNKNOWN, f.code());
        assertTrue(f.message().contains("Pod default/elsewhere on node n1"), f.message());

        // Relabelling the running pod: a new identity, rule1 no longer selects it.
        admin.pods().inNamespace("default").withName("deathstar").edit(p -> {
            p.getMetadata().setLabels(Map.of("org", "empire", "class", "exhaust-port"));
            return p;
        });
        Eventually.await(Duration.ofSeconds(10), "the endpoint takes its new labels' identity", () -> {
            var held = dp.endpoint("default/deathstar");
            return held != null && held.endpoint().identity() != e.identity();
        });
        Endpoint now = n1.manager().list().getFirst();
        assertTrue(now.labels().toString().contains("k8s:class=exhaust-port"), now.labels().toString());
        assertFalse(dp.endpoint("default/deathstar").enforced(Direction.INGRESS), "rule1 selects deathstars only");
        assertTrue(dp.endpoint("default/deathstar").holds(n1.loop().call(() -> n1.loop().engine().table("default/deathstar")).join()));
        assertEquals(new IpcacheEntry(now.identity(), "n1"), dp.ipcache().get(IpPrefix.parse("10.244.1.10/32")));
    }

    @Test
    void policiesAddedAndRemovedOnTheApiReachTheDatapathAndNodesShareTheirEndpoints() throws Exception {
        pod("deathstar", "n1", Map.of("org", "empire", "class", "deathstar"));
        RecordingDatapath dp1 = new RecordingDatapath(), dp2 = new RecordingDatapath();
        LocalAgent n1 = agent("n1", dp1);
        LocalAgent n2 = agent("n2", dp2);
        EndpointInfo e = ready(n1.add("default", "deathstar", network.pod("10.244.1.10/24"), Map.of()));
        assertFalse(dp1.endpoint("default/deathstar").enforced(Direction.INGRESS));

        policy(EndpointsOnEtcdTest.RULE1);
        Eventually.await(Duration.ofSeconds(10), "rule1 reaches the datapath", () -> dp1.endpoint("default/deathstar").enforced(Direction.INGRESS));
        policy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-probes, namespace: default}
                spec:
                  podSelector: {matchLabels: {class: deathstar}}
                  ingress:
                  - ports: [{port: 8080, protocol: TCP}]
                """);
        Eventually.await(Duration.ofSeconds(10), "the NetworkPolicy reaches the datapath", () -> n1.loop().call(() ->
                n1.loop().engine().table("default/deathstar").lookup(Direction.INGRESS, 999_999, Protocol.TCP, 8080).verdict().allowsL4()).join());
        assertTrue(dp1.endpoint("default/deathstar").holds(n1.loop().call(() -> n1.loop().engine().table("default/deathstar")).join()));
        admin.genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inNamespace("default").withName("rule1").delete();
        admin.network().v1().networkPolicies().inNamespace("default").withName("allow-probes").delete();
        Eventually.await(Duration.ofSeconds(10), "both are gone from the datapath", () -> !dp1.endpoint("default/deathstar").enforced(Direction.INGRESS));
        assertTrue(dp1.calls().stream().filter(c -> c.kind().equals("apply")).anyMatch(c -> ((EngineDelta) c.argument()).tables().containsKey("default/deathstar")));

        // n1 publishes its node's WardNodeEndpoints; n2 follows it into its ipcache.
        IpPrefix address = IpPrefix.parse("10.244.1.10/32");
        Eventually.await(Duration.ofSeconds(10), "n2's ipcache has n1's pod", () -> new IpcacheEntry(e.identity(), "n1").equals(dp2.ipcache().get(address)));
        GenericKubernetesResource record = admin.genericKubernetesResources(KubernetesEndpointRecords.NODE_ENDPOINTS).withName("n1").get();
        assertEquals("n1", record.getMetadata().getLabels().get(KubernetesEndpointRecords.NODE_LABEL));
        // Removing the node's object (node removal) removes its pods from every ipcache.
        admin.genericKubernetesResources(KubernetesEndpointRecords.NODE_ENDPOINTS).withName("n1").delete();
        Eventually.await(Duration.ofSeconds(10), "n2 forgets n1's pod", () -> !dp2.ipcache().containsKey(address));
    }
}
