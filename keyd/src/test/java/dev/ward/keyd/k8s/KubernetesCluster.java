package dev.ward.keyd.k8s;

import dev.ward.trust.k8s.WardKubernetes;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes API for tests: fabric8's mock server in CRUD mode (watches included) behind {@link FakeApiServer}.
 * Clients are created per identity, the way pods and operators hold their own tokens.
 */
public final class KubernetesCluster implements AutoCloseable {
    private final FakeApiServer api = new FakeApiServer();
    private final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), api, false);
    private final List<KubernetesClient> clients = new ArrayList<>();
    private final Config base;

    public KubernetesCluster() {
        server.init();
        try (KubernetesClient c = server.createClient()) {
            base = c.getConfiguration();
        }
        api.authenticate("admin-token", new FakeApiServer.Identity("kubernetes-admin", List.of("system:masters", "system:authenticated"), Map.of()));
    }

    private KubernetesClient admin;

    /** A cluster-admin client (operators, keyd). */
    public synchronized KubernetesClient admin() {
        if (admin == null) admin = client("admin-token");
        return admin;
    }

    /** A client holding Ward's agent ServiceAccount token, bound to {@code node} as a node-bound projected token is. */
    public synchronized KubernetesClient agentOn(String node) {
        String token = "agent-" + node;
        api.authenticate(token, new FakeApiServer.Identity(WardKubernetes.agentUsername(WardKubernetes.NAMESPACE),
                List.of("system:serviceaccounts", "system:serviceaccounts:" + WardKubernetes.NAMESPACE, "system:authenticated"),
                Map.of(WardKubernetes.NODE_NAME_EXTRA, List.of(node),
                        "authentication.kubernetes.io/pod-name", List.of("ward-agent-" + node))));
        return client(token);
    }

    /** A client authenticated as {@code username} with the given extra info (for the refusal tests). */
    public KubernetesClient as(String username, Map<String, List<String>> extra) {
        String token = "user-" + username.hashCode() + "-" + extra.hashCode();
        api.authenticate(token, new FakeApiServer.Identity(username, List.of("system:authenticated"), extra));
        return client(token);
    }

    public void addNode(String name) {
        admin().nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    private synchronized KubernetesClient client(String token) {
        Config config = new ConfigBuilder(base).withOauthToken(token).withRequestRetryBackoffLimit(0).build();
        KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
        clients.add(c);
        return c;
    }

    @Override
    public void close() {
        clients.forEach(KubernetesClient::close);
        server.destroy();
    }
}
