package dev.ward.agent.datapath.status;

import dev.ward.keyd.k8s.DepartedNodeCollector;
import dev.ward.store.ClusterStore;
import dev.ward.store.NodeRemoval;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The datapath reports as {@code WardDatapathStatus} objects on fabric8's mock API server in CRUD mode, with the CRD
 * of deploy/crds installed; and keyd removing a deleted Node's report.
 */
class DatapathReportsOnKubernetesTest extends DatapathReportsContract {
    private static final Path CRD = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/crds/ward.dev_datapath.yaml");
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        try (InputStream in = Files.newInputStream(CRD)) {
            for (Object o : client.load(in).items()) client.resource((CustomResourceDefinition) o).create();
        }
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Override
    ClusterStore store() {
        return new ClusterStore.Kubernetes(client);
    }

    @Override
    @SuppressWarnings("unchecked")
    void writeForeign(String node, String json) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("ward.dev/v1");
        r.setKind(KubernetesDatapathReports.STATUS.getKind());
        r.setMetadata(new ObjectMetaBuilder().withName(node).build());
        r.setAdditionalProperty("spec", dev.ward.store.StoredJson.read(json, Map.class, "test spec"));
        client.genericKubernetesResources(KubernetesDatapathReports.STATUS).resource(r).create();
    }

    @Test
    void theCrdIsTheOneTheStoreUses() {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .withName(KubernetesDatapathReports.STATUS.getPlural() + "." + KubernetesDatapathReports.STATUS.getGroup()).get();
        assertNotNull(crd, "deploy/crds/ward.dev_datapath.yaml defines " + KubernetesDatapathReports.STATUS.getPlural());
        assertEquals(KubernetesDatapathReports.STATUS.getKind(), crd.getSpec().getNames().getKind());
        assertEquals("Cluster", crd.getSpec().getScope());
        Set<String> fields = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties().keySet();
        for (var c : DatapathReport.class.getRecordComponents()) {
            assertTrue(fields.contains(c.getName()), "the CRD's schema lacks " + c.getName() + ": the API server would prune it");
        }
    }

    @Test
    void keydRemovesTheReportOfADeletedNode() throws Exception {
        for (String n : new String[]{"n1", "n2"}) client.nodes().resource(new NodeBuilder().withNewMetadata().withName(n).endMetadata().build()).create();
        DatapathReports reports = DatapathReports.on(store());
        reports.write(report("n1", 1, Map.of()));
        reports.write(report("n2", 1, Map.of()));
        reports.write(report("gone", 1, Map.of()));
        try (DepartedNodeCollector collector = new DepartedNodeCollector(client, NodeRemoval.registered())) {
            collector.start();
            await(() -> reports.nodes().equals(Set.of("n1", "n2")), "the sweep to remove the report of a node with no Node: " + reports.nodes());
            client.nodes().withName("n2").delete();
            await(() -> reports.nodes().equals(Set.of("n1")), "n2's report to go with its Node");
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }
}
