package dev.ward.keyd.k8s;

import dev.ward.store.ClusterStore;
import dev.ward.store.DaemonThreads;
import dev.ward.store.NodeRemoval;
import dev.ward.store.NodeScopedRecords;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * keyd's controller for nodes that leave a Kubernetes cluster: when a Node is deleted, every per-node record Ward keeps
 * for it ({@link NodeRemoval}: the encryption announcement and status, later the endpoints) is removed, and the
 * peers' watches drop the node's SAs. At start it sweeps the records of nodes deleted while no keyd ran. Before
 * removing anything it asks the API server whether the Node is really gone (an informer's cache can lag a Node that
 * was just created), so a replica never removes the records of a live node. Idempotent: both replicas may do it.
 */
public final class DepartedNodeCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DepartedNodeCollector.class);

    private final KubernetesClient client;
    private final ClusterStore store;
    private final NodeRemoval removal;
    private final ExecutorService worker = DaemonThreads.single("ward-keyd-departed-nodes");
    private SharedIndexInformer<Node> informer;

    public DepartedNodeCollector(KubernetesClient client, NodeRemoval removal) {
        this.client = client;
        // Not closed here: the client is keyd's.
        this.store = new ClusterStore.Kubernetes(client);
        this.removal = removal;
    }

    public void start() {
        informer = client.nodes().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
            }

            @Override
            public void onUpdate(Node old, Node node) {
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                String name = node.getMetadata().getName();
                worker.execute(() -> removeIfGone(name, "its Node was deleted"));
            }
        }, 0);
        worker.execute(this::sweep);
    }

    private void sweep() {
        Set<String> present = new HashSet<>();
        informer.getStore().list().forEach(n -> present.add(n.getMetadata().getName()));
        for (NodeScopedRecords kind : removal.kinds()) {
            try {
                for (String node : kind.nodes(store)) {
                    if (!present.contains(node)) removeIfGone(node, "it has no Node object");
                }
            } catch (RuntimeException e) {
                LOG.warn("cannot list the nodes that have {}: {}", kind.kind(), e.getMessage());
            }
        }
    }

    private void removeIfGone(String node, String why) {
        try {
            if (client.nodes().withName(node).get() != null) return;
            List<String> removed = removal.remove(store, node);
            if (!removed.isEmpty()) LOG.info("node {} left the cluster ({}): removed its {}", node, why, String.join(", ", removed));
        } catch (RuntimeException e) {
            LOG.error("cannot remove the records of departed node {}: {}", node, e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (informer != null) informer.close();
        worker.shutdownNow();
    }
}
