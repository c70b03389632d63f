package dev.ward.trust;

import dev.ward.store.ClusterStore;
import dev.ward.trust.k8s.ConfigMapTrustRepository;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.trust.kv.KvTrustRepository;

/** Where the published trust lives on a cluster's store. */
public final class TrustRepositories {
    private TrustRepositories() {}

    public static TrustRepository on(ClusterStore store) {
        return switch (store) {
            case ClusterStore.Kubernetes k -> new ConfigMapTrustRepository(k.client(), WardKubernetes.NAMESPACE);
            case ClusterStore.KeyValue kv -> new KvTrustRepository(kv.kv());
        };
    }
}
