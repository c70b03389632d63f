package dev.ward.agent.datapath.status;

import dev.ward.store.ClusterStore;

import java.util.List;
import java.util.Set;

/** The nodes' datapath reports in the cluster's store: each agent writes its own, {@code wardctl status} reads them all. */
public interface DatapathReports {
    /** The reports in {@code store}'s own form: custom resources on Kubernetes, keys in etcd or a directory. */
    static DatapathReports on(ClusterStore store) {
        return switch (store) {
            case ClusterStore.Kubernetes k -> new KubernetesDatapathReports(k.client());
            case ClusterStore.KeyValue kv -> new KvDatapathReports(kv.kv());
        };
    }

    /** Replaces the report of {@code report.node()}. */
    void write(DatapathReport report);

    /** Every node's report, by node name; one that cannot be read is logged and skipped. */
    List<DatapathReport> all();

    /** Removes a node's report; true if it had one. */
    boolean remove(String node);

    /** The nodes with a report. */
    Set<String> nodes();
}
