package dev.ward.store;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Removes everything the store keeps per node for a node that left: every {@link NodeScopedRecords} kind on the class
 * path. Agents follow these records through their watches, so the departed node's peers drop what they had with it
 * (its SAs) as soon as the removal reaches them. The node's identity record is not among them: it carries its
 * revocation, which the CRL must keep while the node's SVIDs are valid.
 */
public final class NodeRemoval {
    private final List<NodeScopedRecords> kinds;

    public NodeRemoval(List<NodeScopedRecords> kinds) {
        this.kinds = List.copyOf(kinds);
    }

    /** Every kind registered with {@link ServiceLoader}. */
    public static NodeRemoval registered() {
        List<NodeScopedRecords> kinds = new ArrayList<>();
        ServiceLoader.load(NodeScopedRecords.class).forEach(kinds::add);
        return new NodeRemoval(kinds);
    }

    public List<NodeScopedRecords> kinds() {
        return kinds;
    }

    /** Removes {@code node}'s records of every kind; returns the kinds it had. */
    public List<String> remove(ClusterStore store, String node) {
        List<String> removed = new ArrayList<>();
        for (NodeScopedRecords kind : kinds) {
            if (kind.remove(store, node)) removed.add(kind.kind());
        }
        return removed;
    }
}
