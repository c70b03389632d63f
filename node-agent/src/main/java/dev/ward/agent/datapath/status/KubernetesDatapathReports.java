package dev.ward.agent.datapath.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.pki.NodeNames;
import dev.ward.store.CorruptRecordException;
import dev.ward.store.StoredJson;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Datapath reports on the Kubernetes API: a cluster-scoped {@code WardDatapathStatus} per node, named by the node
 * ({@code deploy/crds/ward.dev_datapath.yaml}), whose spec is the {@link DatapathReport}. Only the node's own agent
 * writes it (the agents' admission policy), so a write is a create or an update of what is there; keyd deletes a
 * departed node's.
 */
public final class KubernetesDatapathReports implements DatapathReports {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesDatapathReports.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final ResourceDefinitionContext STATUS = new ResourceDefinitionContext.Builder()
            .withGroup("ward.dev").withVersion("v1").withKind("WardDatapathStatus").withPlural("warddatapathstatuses")
            .withNamespaced(false).build();
    private static final int MAX_RETRIES = 5;

    private final KubernetesClient client;

    public KubernetesDatapathReports(KubernetesClient client) {
        this.client = client;
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> objects() {
        return client.genericKubernetesResources(STATUS);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void write(DatapathReport report) {
        String node = NodeNames.require(report.node(), "node name");
        Map<String, Object> spec = JSON.convertValue(spec(report), Map.class);
        // A conflict means the object changed between reading and writing it: an earlier write of this agent's
        // still settling, or keyd removing the node; read it again.
        for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
            GenericKubernetesResource current = objects().withName(node).get();
            try {
                if (current == null) {
                    GenericKubernetesResource r = new GenericKubernetesResource();
                    r.setApiVersion(STATUS.getGroup() + "/" + STATUS.getVersion());
                    r.setKind(STATUS.getKind());
                    r.setMetadata(new ObjectMetaBuilder().withName(node).build());
                    r.setAdditionalProperty("spec", spec);
                    objects().resource(r).create();
                } else {
                    current.setAdditionalProperty("spec", spec);
                    objects().resource(current).lockResourceVersion(current.getMetadata().getResourceVersion()).update();
                }
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw new IllegalStateException("the API server refused to write " + STATUS.getKind() + " " + node + ": " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalStateException(STATUS.getKind() + " " + node + ": changed under every write, gave up after " + MAX_RETRIES);
    }

    /** The report as the other stores hold it (ISO-8601 instants, as the CRD's date-time expects). */
    private static ObjectNode spec(DatapathReport report) {
        try {
            return (ObjectNode) JSON.readTree(StoredJson.write(report));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + report, e);
        }
    }

    @Override
    public List<DatapathReport> all() {
        List<GenericKubernetesResource> items = new ArrayList<>(objects().list().getItems());
        items.sort(Comparator.comparing(o -> o.getMetadata().getName()));
        List<DatapathReport> all = new ArrayList<>();
        for (GenericKubernetesResource o : items) {
            String name = o.getMetadata().getName();
            String what = STATUS.getKind() + " " + name;
            try {
                DatapathReport r = StoredJson.read(JSON.valueToTree(o.getAdditionalProperties().get("spec")).toString(), DatapathReport.class, what);
                if (!name.equals(r.node())) throw new CorruptRecordException(what + " reports node " + r.node());
                all.add(r);
            } catch (CorruptRecordException e) {
                LOG.warn("skipping {}", e.getMessage());
            }
        }
        return all;
    }

    @Override
    public boolean remove(String node) {
        return !objects().withName(NodeNames.require(node, "node name")).delete().isEmpty();
    }

    @Override
    public Set<String> nodes() {
        Set<String> nodes = new TreeSet<>();
        for (GenericKubernetesResource o : objects().list().getItems()) nodes.add(o.getMetadata().getName());
        return nodes;
    }
}
