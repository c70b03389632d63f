package dev.ward.agent.ipcache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agent.k8s.InformedObjects;
import dev.ward.pki.NodeNames;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import dev.ward.store.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Endpoint records on the Kubernetes API: a cluster-scoped {@code WardNodeEndpoints} per node, named by the node and
 * labelled {@value #NODE_LABEL} with it ({@code deploy/crds/ward.dev_endpoints.yaml}); the spec is the node's
 * {@link NodeEndpoints}. The agent's admission policy lets each agent write only its own node's object. Followed
 * through one informer.
 */
public final class KubernetesEndpointRecords implements EndpointRecords {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesEndpointRecords.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String NODE_LABEL = "ward.dev/node";
    public static final ResourceDefinitionContext NODE_ENDPOINTS = new ResourceDefinitionContext.Builder()
            .withGroup("ward.dev").withVersion("v1").withKind("WardNodeEndpoints").withPlural("wardnodeendpoints")
            .withNamespaced(false).build();
    private static final int MAX_RETRIES = 20;

    private final KubernetesClient client;

    public KubernetesEndpointRecords(KubernetesClient client) {
        this.client = client;
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> objects() {
        return client.genericKubernetesResources(NODE_ENDPOINTS);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void publish(NodeEndpoints endpoints) {
        String node = endpoints.node();
        Map<String, Object> spec = JSON.convertValue(endpoints, Map.class);
        for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
            GenericKubernetesResource current = objects().withName(node).get();
            try {
                if (current == null) {
                    GenericKubernetesResource r = new GenericKubernetesResource();
                    r.setApiVersion(NODE_ENDPOINTS.getGroup() + "/" + NODE_ENDPOINTS.getVersion());
                    r.setKind(NODE_ENDPOINTS.getKind());
                    r.setMetadata(new ObjectMetaBuilder().withName(node).withLabels(Map.of(NODE_LABEL, node)).build());
                    r.setAdditionalProperty("spec", spec);
                    objects().resource(r).create();
                } else {
                    current.setAdditionalProperty("spec", spec);
                    current.getMetadata().setLabels(Map.of(NODE_LABEL, node));
                    objects().resource(current).lockResourceVersion(current.getMetadata().getResourceVersion()).update();
                }
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw new IllegalStateException("the API server refused to write WardNodeEndpoints " + node + ": " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalStateException("WardNodeEndpoints " + node + ": too many concurrent writes, gave up after " + MAX_RETRIES);
    }

    @Override
    public void withdraw(String node) {
        objects().withName(NodeNames.require(node, "node name")).delete();
    }

    @Override
    public Set<String> nodes() {
        Set<String> nodes = new TreeSet<>();
        for (GenericKubernetesResource o : objects().list().getItems()) nodes.add(o.getMetadata().getName());
        return nodes;
    }

    @Override
    public Subscription follow(Consumer<Change> listener) {
        InformedObjects<GenericKubernetesResource> f = InformedObjects.start("WardNodeEndpoints objects", objects().runnableInformer(0),
                (name, seq, o) -> deliver(listener, name, seq, o), false);
        return f::close;
    }

    private static void deliver(Consumer<Change> listener, String name, long seq, GenericKubernetesResource o) {
        if (o == null) {
            listener.accept(new Change(name, seq, null));
            return;
        }
        try {
            NodeEndpoints n = JSON.convertValue(o.getAdditionalProperties().get("spec"), NodeEndpoints.class);
            if (n == null || !name.equals(n.node())) throw new IllegalArgumentException("its spec names node " + (n == null ? null : n.node()));
            listener.accept(new Change(name, seq, n));
        } catch (IllegalArgumentException e) {
            LOG.warn("skipping WardNodeEndpoints {}: {}", name, e.getMessage());
        }
    }

    @Override
    public String describe() {
        return "WardNodeEndpoints objects on the Kubernetes API " + client.getMasterUrl();
    }

    @Override
    public void close() {}
}
