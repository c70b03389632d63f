package dev.ward.bpf.datapath;

import java.util.List;
import java.util.Map;

/**
 * What a reconcile found and did: the writes (and failures) it made, how many writes each endpoint needed
 * (0 when its map already held its table), endpoints in the datapath the caller gave no table for (left as
 * they are), and tables for endpoints that are not attached.
 */
public record ReconcileReport(ApplyResult result, Map<String, Integer> writesByEndpoint, List<String> endpointsWithoutTable,
                              List<String> tablesWithoutEndpoint) {
    public ReconcileReport {
        writesByEndpoint = Map.copyOf(writesByEndpoint);
        endpointsWithoutTable = List.copyOf(endpointsWithoutTable);
        tablesWithoutEndpoint = List.copyOf(tablesWithoutEndpoint);
    }
}
