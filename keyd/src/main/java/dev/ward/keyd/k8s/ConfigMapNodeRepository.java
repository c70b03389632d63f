package dev.ward.keyd.k8s;

import dev.ward.keyd.store.FollowedNodeRecords;
import dev.ward.keyd.store.NodeListing;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import dev.ward.store.CorruptRecordException;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.trust.k8s.Conflicts;
import dev.ward.keyd.NodeRecord;
import dev.ward.keyd.store.NodeRepository;
import dev.ward.store.StoredJson;
import dev.ward.store.Versioned;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Node records as labelled ConfigMaps {@code ward-node-<node>} in ward-system, one per node. */
final class ConfigMapNodeRepository implements NodeRepository {
    private final KubernetesClient client;
    private final String namespace;

    ConfigMapNodeRepository(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    @Override
    public Optional<Versioned<NodeRecord>> get(String node) {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(WardKubernetes.nodeRecordName(node)).get();
        return Optional.ofNullable(cm).map(c -> new Versioned<>(decode(c), c.getMetadata().getResourceVersion()));
    }

    @Override
    public NodeListing list() {
        return listing(client.configMaps().inNamespace(namespace).withLabel(WardKubernetes.NODE_RECORD_LABEL, "true").list().getItems());
    }

    @Override
    public FollowedNodeRecords follow(Runnable changed) {
        // An informer (no resync: the watch is the only source of changes), its cache the listing.
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(namespace)
                .withLabel(WardKubernetes.NODE_RECORD_LABEL, "true").inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap obj) {
                        changed.run();
                    }

                    @Override
                    public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
                        changed.run();
                    }

                    @Override
                    public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
                        changed.run();
                    }
                }, 0);
        return new FollowedNodeRecords() {
            @Override
            public NodeListing listing() {
                return ConfigMapNodeRepository.listing(informer.getStore().list());
            }

            @Override
            public void close() {
                informer.close();
            }
        };
    }

    private static NodeListing listing(List<ConfigMap> configMaps) {
        List<NodeRecord> readable = new ArrayList<>();
        List<CorruptRecordException> unreadable = new ArrayList<>();
        for (ConfigMap cm : configMaps) {
            try {
                readable.add(decode(cm));
            } catch (CorruptRecordException bad) {
                unreadable.add(bad);
            }
        }
        return new NodeListing(readable, unreadable);
    }

    @Override
    public boolean put(NodeRecord record, String expectedVersion) {
        ConfigMap cm = new ConfigMapBuilder()
                .withNewMetadata().withName(WardKubernetes.nodeRecordName(record.node())).withNamespace(namespace)
                .withResourceVersion(expectedVersion)
                .addToLabels(WardKubernetes.NODE_RECORD_LABEL, "true")
                .addToLabels("app.kubernetes.io/part-of", "ward")
                .addToAnnotations(WardKubernetes.NODE_ANNOTATION, record.node())
                .endMetadata()
                .withData(Map.of(WardKubernetes.NODE_RECORD_KEY, StoredJson.write(record)))
                .build();
        try {
            if (expectedVersion == null) client.configMaps().inNamespace(namespace).resource(cm).create();
            else client.configMaps().inNamespace(namespace).resource(cm).update();
            return true;
        } catch (KubernetesClientException e) {
            if (Conflicts.isConflict(e) || Conflicts.isNotFound(e)) return false;
            throw e;
        }
    }

    private static NodeRecord decode(ConfigMap cm) {
        String json = cm.getData() == null ? null : cm.getData().get(WardKubernetes.NODE_RECORD_KEY);
        return StoredJson.read(json == null ? "" : json, NodeRecord.class, "node record ConfigMap " + cm.getMetadata().getName());
    }
}
