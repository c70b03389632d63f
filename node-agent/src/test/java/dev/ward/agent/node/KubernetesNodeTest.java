package dev.ward.agent.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.Cidr;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's own Node on fabric8's mock API server (CRUD mode): its pod CIDRs, and whether it still exists. */
class KubernetesNodeTest {
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void thePodCidrsComeFromTheNodesSpec() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("w1").endMetadata()
                .withNewSpec().withPodCIDR("10.244.1.0/24").withPodCIDRs("10.244.1.0/24", "fd00:10:244:1::/64").endSpec().build()).create();
        assertEquals(List.of(Cidr.parse("10.244.1.0/24"), Cidr.parse("fd00:10:244:1::/64")), new KubernetesNode(client, "w1").podCidrs(Duration.ofSeconds(5)));
    }

    @Test
    void aNodeWithoutPodCidrsYetIsWaitedFor() throws Exception {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("w2").endMetadata().build()).create();
        CompletableFuture<List<Cidr>> cidrs = CompletableFuture.supplyAsync(() -> new KubernetesNode(client, "w2").podCidrs(Duration.ofSeconds(20)));
        Thread.sleep(500);
        assertFalse(cidrs.isDone(), "no pod CIDR assigned yet");
        // What the node IPAM controller does shortly after the node registers.
        client.nodes().withName("w2").edit(n -> new NodeBuilder(n).editOrNewSpec().withPodCIDR("10.244.2.0/24").withPodCIDRs("10.244.2.0/24").endSpec().build());
        assertEquals(List.of(Cidr.parse("10.244.2.0/24")), cidrs.get());
    }

    @Test
    void aMissingNodeOrNoCidrInTimeIsNamed() {
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> new KubernetesNode(client, "nosuch").podCidrs(Duration.ofSeconds(2)));
        assertTrue(missing.getMessage().contains("no Node nosuch"), missing.getMessage());
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("w3").endMetadata().build()).create();
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> new KubernetesNode(client, "w3").podCidrs(Duration.ofSeconds(1)));
        assertTrue(none.getMessage().contains("Node w3 got no spec.podCIDRs") && none.getMessage().contains("--pod-cidr"), none.getMessage());
    }

    @Test
    void presenceFollowsTheNodeObject() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("w4").endMetadata().build()).create();
        KubernetesNode node = new KubernetesNode(client, "w4");
        assertTrue(node.inCluster());
        client.nodes().withName("w4").delete();
        assertFalse(node.inCluster());
    }
}
