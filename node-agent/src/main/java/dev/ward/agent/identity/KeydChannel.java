package dev.ward.agent.identity;

import dev.ward.store.ClusterStore;
import dev.ward.trust.TrustRepository;
import dev.ward.trust.TrustRepositories;

import java.time.Clock;

/**
 * How a node reaches keyd: only through the cluster's store, where keyd publishes the trust and takes SVID requests
 * (CertificateSigningRequests in Kubernetes, request records in etcd or a directory). The agent never connects to
 * keyd itself.
 */
public record KeydChannel(TrustRepository trust, SvidRequester requester) {
    public static KeydChannel on(ClusterStore store, Clock clock) {
        return new KeydChannel(TrustRepositories.on(store), switch (store) {
            case ClusterStore.Kubernetes k -> new KubernetesSvidRequester(k.client());
            case ClusterStore.KeyValue kv -> new KvSvidRequester(kv.kv(), clock);
        });
    }
}
