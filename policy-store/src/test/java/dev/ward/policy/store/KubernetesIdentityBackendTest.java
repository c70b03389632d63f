package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes adapter against fabric8's mock API server in CRUD mode (create conflicts and resourceVersion-
 * guarded updates behave as on a real API server), with the CRDs from deploy/crds installed.
 */
class KubernetesIdentityBackendTest extends IdentityBackendContract {
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void startServer() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        Path crds = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/crds/ward.dev_wardidentities.yaml");
        try (InputStream in = new FileInputStream(crds.toFile())) {
            List<?> items = client.load(in).items();
            for (Object o : items) client.resource((CustomResourceDefinition) o).create();
        }
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.destroy();
    }

    @Override
    IdentityBackend newBackend(String node) {
        return new KubernetesIdentityBackend(client);
    }

    @Test
    void theCustomResourcesAreInstalledFromDeploy() {
        assertEquals(2, client.apiextensions().v1().customResourceDefinitions().list().getItems().size());
    }

    @Test
    void theMockServerRefusesStaleUpdatesLikeARealApiServer() {
        // The adapter's atomicity rests on this; check the server under test provides it.
        IdentityBackend b = newBackend("n");
        b.claim(700, "k8s:app=q");
        var ops = client.genericKubernetesResources(KubernetesIdentityBackend.IDENTITY);
        var stale = ops.withName("700").get();
        var fresh = ops.withName("700").get();
        fresh.setAdditionalProperty("spec", java.util.Map.of("key", "k8s:app=q", "references", List.of("a")));
        ops.resource(fresh).lockResourceVersion(fresh.getMetadata().getResourceVersion()).update();
        stale.setAdditionalProperty("spec", java.util.Map.of("key", "k8s:app=q", "references", List.of("b")));
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> ops.resource(stale).lockResourceVersion(stale.getMetadata().getResourceVersion()).update());
        assertEquals(409, e.getCode());
        assertEquals(java.util.Set.of("a"), b.references(700));
    }

    @Test
    void aLostKeyRaceLeavesNoStrayNumber() {
        IdentityBackend b = newBackend("n");
        b.claim(600, "k8s:app=z");
        // Another node, not yet seeing the key, tries a second number for the same labels.
        assertEquals(new IdentityBackend.Claim.KeyTaken(600), b.claim(601, "k8s:app=z"));
        assertTrue(client.genericKubernetesResources(KubernetesIdentityBackend.IDENTITY).withName("601").get() == null);
    }
}
