package dev.ward.agent.datapath.status;

import dev.ward.store.ClusterStore;
import dev.ward.store.NodeScopedRecords;

import java.util.Set;

/** A node's datapath report as a kind that leaves with its node: a departed node is not reported stale forever. */
public final class DatapathNodeRecords implements NodeScopedRecords {
    @Override
    public String kind() {
        return "datapath report";
    }

    @Override
    public boolean remove(ClusterStore store, String node) {
        return DatapathReports.on(store).remove(node);
    }

    @Override
    public Set<String> nodes(ClusterStore store) {
        return DatapathReports.on(store).nodes();
    }
}
