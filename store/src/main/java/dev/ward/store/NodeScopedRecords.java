package dev.ward.store;

import java.util.Set;

/**
 * One kind of record the cluster's store keeps per node (encryption's announcement and status; a node's endpoints),
 * which goes when the node leaves the cluster. A kind joins {@link NodeRemoval} by implementing this and listing the
 * class in {@code META-INF/services/dev.ward.store.NodeScopedRecords} of its module: a deleted Node (Kubernetes, by
 * keyd), {@code wardctl node remove} and the sweep at keyd's start then remove it with the others.
 */
public interface NodeScopedRecords {
    /** What these records are, for logs and {@code wardctl node remove}: "encryption announcement and status". */
    String kind();

    /** Removes {@code node}'s records of this kind; true if there were any. Removing what is not there is no error. */
    boolean remove(ClusterStore store, String node);

    /** The nodes that have records of this kind now (the sweep removes those of nodes that are gone). */
    Set<String> nodes(ClusterStore store);
}
