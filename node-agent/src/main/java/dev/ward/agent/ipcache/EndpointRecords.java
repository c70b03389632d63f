package dev.ward.agent.ipcache;

import dev.ward.store.Subscription;

import java.util.function.Consumer;

/** The cluster's published endpoints in its store: each node writes its own record and follows everyone's. */
public interface EndpointRecords extends AutoCloseable {
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

    /**
     * Follows every node's record: delivers what the store holds now before returning, then each change as it
     * happens, on the store's own threads. A record that cannot be read is logged and skipped.
     */
    Subscription follow(Consumer<Change> listener);

    String describe();

    @Override
    void close();
}
