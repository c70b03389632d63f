package dev.ward.agent.ipcache;

import dev.ward.store.ClusterStore;
import dev.ward.store.NodeScopedRecords;

import java.util.Set;

/**
 * A node's published endpoints as a kind that leaves with its node: once its record is gone, every agent's ipcache
 * forgets the departed node's pods, so their addresses no longer carry its pods' identities anywhere.
 */
public final class EndpointNodeRecords implements NodeScopedRecords {
    @Override
    public String kind() {
        return "published endpoints";
    }

    @Override
    public boolean remove(ClusterStore store, String node) {
        EndpointRecords records = EndpointRecords.on(store);
        boolean had = records.nodes().contains(node);
        if (had) records.withdraw(node);
        return had;
    }

    @Override
    public Set<String> nodes(ClusterStore store) {
        return EndpointRecords.on(store).nodes();
    }
}
