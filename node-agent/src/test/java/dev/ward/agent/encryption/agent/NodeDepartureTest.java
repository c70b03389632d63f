package dev.ward.agent.encryption.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.store.EncryptionNodeRecords;
import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.k8s.KubernetesEncryptionStore;
import dev.ward.agent.node.KubernetesNode;
import dev.ward.keyd.k8s.DepartedNodeCollector;
import dev.ward.pki.SvidIssuer;
import dev.ward.store.ClusterStore;
import dev.ward.store.NodeRemoval;
import dev.ward.store.StoreAccess;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that leaves takes its per-node records with it, and every peer drops its SAs with it within 5 s: on
 * Kubernetes when its Node is deleted (keyd's {@link DepartedNodeCollector}, on fabric8's mock API server in CRUD
 * mode, while the departed node's agent still runs), without Kubernetes through the same {@link NodeRemoval} that
 * {@code wardctl node remove} runs (real etcd). Three real encryption agents with SVIDs from keyd in each case.
 */
class NodeDepartureTest {
    private static final List<String> ALL = List.of("n1", "n2", "n3");
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final Path CRDS = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/crds/ward.dev_encryption.yaml");

    @TempDir
    Path tmp;

    @Test
    void encryptionRegistersItsRecordsForRemoval() {
        assertTrue(NodeRemoval.registered().kinds().stream().anyMatch(k -> k instanceof EncryptionNodeRecords),
                "META-INF/services/dev.ward.store.NodeScopedRecords lists encryption's records");
    }

    @Test
    void aDeletedNodeLosesItsRecordsAndEveryPeerItsSasWithinFiveSeconds() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            try (InputStream in = Files.newInputStream(CRDS)) {
                client.load(in).items().forEach(crd -> client.resource(crd).create());
            }
            for (String n : ALL) client.nodes().resource(new NodeBuilder().withNewMetadata().withName(n).endMetadata().build()).create();
            KubernetesEncryptionStore records = new KubernetesEncryptionStore(client, false, java.time.Clock.systemUTC());
            // Left behind by a node deleted while no keyd ran: the collector's first sweep removes it.
            records.writeStatus(new EncryptionStatus("gone", 1, null, List.of(), List.of(), List.of(), Map.of(), 0, Map.of(), false, Instant.now()));

            try (TestCluster cluster = new TestCluster(tmp, SvidIssuer.DEFAULT_TTL,
                    node -> new KubernetesEncryptionStore(client, false, java.time.Clock.systemUTC()),
                    node -> new KubernetesNode(client, node));
                 DepartedNodeCollector collector = new DepartedNodeCollector(client, NodeRemoval.registered())) {
                for (int i = 0; i < ALL.size(); i++) cluster.join(ALL.get(i), i + 1);
                TestCluster.await(Duration.ofSeconds(30), "a full mesh of three", () -> cluster.converged(ALL));
                collector.start();
                TestCluster.await(BOUND, "the sweep to remove the records of a node with no Node", () -> !records.nodes().contains("gone"));

                InetAddress n3 = cluster.node("n3").local().underlay().getFirst();
                long start = System.nanoTime();
                client.nodes().withName("n3").delete();
                Duration took = awaitPeersDropped(cluster, n3, start);
                System.out.printf("Kubernetes: Node n3 deleted -> n1 and n2 hold no SA or policy with n3 after %d ms%n", took.toMillis());
                assertTrue(took.compareTo(BOUND) < 0, "took " + took);

                // n3's agent still runs (its pod waits to be stopped): it must not publish itself again.
                Thread.sleep(1500);
                assertTrue(records.announcement("n3").isEmpty(), "n3's announcement stays removed");
                assertFalse(records.nodes().contains("n3"), "n3's status is removed too: " + records.nodes());
                assertTrue(cluster.node("n1").kernel.entriesWith(n3).isEmpty(), "n1 did not take n3 back");
                assertEquals(List.of("n2"), cluster.node("n1").agent.status().peers());
            }
        } finally {
            server.destroy();
        }
    }

    @Test
    void removingANodeOnEtcdDropsItsSasEverywhereWithinFiveSeconds() throws Exception {
        try (TestCluster cluster = new TestCluster(tmp)) {
            for (int i = 0; i < ALL.size(); i++) cluster.join(ALL.get(i), i + 1);
            TestCluster.await(Duration.ofSeconds(30), "a full mesh of three", () -> cluster.converged(ALL));
            InetAddress n3 = cluster.node("n3").local().underlay().getFirst();
            cluster.node("n3").stopAgent(); // the node left: its agent is gone, its SAs with the others are not

            List<String> removed;
            long start = System.nanoTime();
            try (ClusterStore store = ClusterStore.open(cluster.location, StoreAccess.EXISTING)) {
                removed = NodeRemoval.registered().remove(store, "n3");
            }
            Duration took = awaitPeersDropped(cluster, n3, start);
            System.out.printf("etcd: node n3 removed -> n1 and n2 hold no SA or policy with n3 after %d ms%n", took.toMillis());
            assertTrue(took.compareTo(BOUND) < 0, "took " + took);
            assertTrue(removed.contains(new EncryptionNodeRecords().kind()), removed.toString());
            EncryptionStore records = cluster.encryptionStore();
            assertTrue(records.announcement("n3").isEmpty());
            assertFalse(records.nodes().contains("n3"), records.nodes().toString());
            try (ClusterStore store = ClusterStore.open(cluster.location, StoreAccess.EXISTING)) {
                assertEquals(List.of(), NodeRemoval.registered().remove(store, "n3"), "a second removal finds nothing");
            }
        }
    }

    /** How long after {@code start} (nanoTime) neither n1 nor n2 has any SA or policy with {@code departed}. */
    private static Duration awaitPeersDropped(TestCluster cluster, InetAddress departed, long start) throws InterruptedException {
        TestCluster.await(Duration.ofSeconds(30), "n1 and n2 to drop n3", () -> cluster.node("n1").kernel.entriesWith(departed).isEmpty()
                && cluster.node("n2").kernel.entriesWith(departed).isEmpty());
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
