package dev.ward.agent.ipcache;

import dev.ward.store.ClusterStore;
import dev.ward.store.Subscription;

import java.util.Set;
import java.util.function.Consumer;

/** The cluster's published endpoints in its store: each node writes its own record and follows everyone's. */
public interface EndpointRecords extends AutoCloseable {
    /** The records in {@code store}'s own form: custom resources on Kubernetes, keys in etcd or a directory. */
    static EndpointRecords on(ClusterStore store) {
        return switch (store) {
            case ClusterStore.Kubernetes k -> new KubernetesEndpointRecords(k.client());
            case ClusterStore.KeyValue kv -> new KvEndpointRecords(kv.kv());
        };
    }

    /**
     * A node's record as the store holds it now, or its removal ({@code endpoints} null).
     *
     * @param version rises with each change of the node's record (etcd's revision, an informer's sequence; 0 when
     *                the store gives none)
     */
    record Change(String node, long version, NodeEndpoints endpoints) {}

    /** Replaces this node's record. */
    void publish(NodeEndpoints endpoints);

    /** Removes a node's record (this node's own, when it has no endpoint left). */
    void withdraw(String node);

    /** The nodes that have a record now. */
    Set<String> nodes();

    /**
     * Follows every node's record: delivers what the store holds now before returning, then each change as it
     * happens, on the store's own threads. A record that cannot be read is logged and skipped.
     */
    Subscription follow(Consumer<Change> listener);

    String describe();

    @Override
    void close();
}
