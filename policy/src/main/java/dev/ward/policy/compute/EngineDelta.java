package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;

import java.util.List;
import java.util.Map;

/**
 * The result of one change to the engine: the table deltas of the endpoints it touched, and the node-local
 * identities that appeared or went (the datapath's address-to-identity map must learn them before tables that name
 * them, and forget them after).
 */
public record EngineDelta(Map<String, TableDelta> tables, List<Identity> identitiesAdded, List<Integer> identitiesRemoved,
                          List<String> rejected) {
    public EngineDelta {
        tables = Map.copyOf(tables);
        identitiesAdded = List.copyOf(identitiesAdded);
        identitiesRemoved = List.copyOf(identitiesRemoved);
        rejected = List.copyOf(rejected);
    }

    public boolean accepted() {
        return rejected.isEmpty();
    }

    public int rowsChanged() {
        int n = 0;
        for (TableDelta d : tables.values()) n += d.size();
        return n;
    }
}
