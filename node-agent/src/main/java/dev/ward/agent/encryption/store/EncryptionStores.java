package dev.ward.agent.encryption.store;

import dev.ward.agent.encryption.store.k8s.KubernetesEncryptionStore;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import dev.ward.store.StoreLocation;
import java.time.Clock;

/** The encryption records on a cluster's store. */
public final class EncryptionStores {
    private EncryptionStores() {
    }

    /** Opens the store an operator named with {@code --store}; closing the result closes the connection. */
    public static EncryptionStore open(StoreLocation location, Clock clock) {
        return on(ClusterStore.open(location, StoreAccess.EXISTING), true, clock);
    }

    /**
     * The encryption records on an open store, beside the identity records (one {@code dir:PATH} or etcd holds the
     * whole cluster); {@code owns}: closing the encryption store closes {@code store}.
     */
    public static EncryptionStore on(ClusterStore store, boolean owns, Clock clock) {
        return switch (store) {
            case ClusterStore.KeyValue kv -> new KvEncryptionStore(kv.kv(), owns, clock);
            case ClusterStore.Kubernetes k -> new KubernetesEncryptionStore(k.client(), owns, clock);
        };
    }
}
