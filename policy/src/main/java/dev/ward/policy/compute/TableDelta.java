package dev.ward.policy.compute;

import java.util.List;

/**
 * What changed in one endpoint's table: rows to write (new or with a new verdict), row keys to delete, and the
 * default-deny state per direction when it changed. This is what the datapath writes into its policy map.
 */
public record TableDelta(String endpoint, List<VerdictEntry> upserts, List<VerdictEntry.Key> removals,
                         Boolean ingressEnforced, Boolean egressEnforced) {
    public TableDelta {
        upserts = List.copyOf(upserts);
        removals = List.copyOf(removals);
    }

    public boolean isEmpty() {
        return upserts.isEmpty() && removals.isEmpty() && ingressEnforced == null && egressEnforced == null;
    }

    public int size() {
        return upserts.size() + removals.size();
    }
}
