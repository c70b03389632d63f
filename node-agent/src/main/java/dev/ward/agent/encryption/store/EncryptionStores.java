package dev.ward.agent.encryption.store;

import dev.ward.agent.encryption.store.k8s.KubernetesEncryptionStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import dev.ward.store.kv.EtcdKv;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;

/** Opens the encryption store at the place an operator named with {@code --store}. */
public final class EncryptionStores {
    private EncryptionStores() {
    }

    public static EncryptionStore open(StoreLocation location, Clock clock) {
        return switch (location) {
            case StoreLocation.Etcd etcd -> new KvEncryptionStore(new EtcdKv(etcd.endpoints().toArray(String[]::new)), true, clock);
            // The same key-value directory as the identity store, so one dir:PATH holds the whole cluster.
            case StoreLocation.Directory dir -> new KvEncryptionStore(new DirectoryKv(dir.path().resolve(IdentityStores.DIR_KV)), true, clock);
            case StoreLocation.Kubernetes k -> new KubernetesEncryptionStore(new KubernetesClientBuilder().build(), true, clock);
        };
    }
}
