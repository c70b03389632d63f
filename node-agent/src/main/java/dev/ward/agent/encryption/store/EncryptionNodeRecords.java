package dev.ward.agent.encryption.store;

import dev.ward.store.ClusterStore;
import dev.ward.store.NodeScopedRecords;
import java.time.Clock;
import java.util.Set;

/** Encryption's per-node records (announcement, status, rotation request) as a kind that leaves with its node. */
public final class EncryptionNodeRecords implements NodeScopedRecords {
    @Override
    public String kind() {
        return "encryption announcement and status";
    }

    @Override
    public boolean remove(ClusterStore store, String node) {
        try (EncryptionStore records = EncryptionStores.on(store, false, Clock.systemUTC())) {
            return records.removeNode(node);
        }
    }

    @Override
    public Set<String> nodes(ClusterStore store) {
        try (EncryptionStore records = EncryptionStores.on(store, false, Clock.systemUTC())) {
            return records.nodes();
        }
    }
}
