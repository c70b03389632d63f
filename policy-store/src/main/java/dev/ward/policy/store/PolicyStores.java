package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import dev.ward.policy.load.PolicyDocument;
import dev.ward.store.ClusterStore;
import dev.ward.store.kv.EtcdKv;

import java.util.List;
import java.util.Map;

/** What a cluster's store holds for policy: the policy objects and the identity numbers allocated so far. */
public final class PolicyStores {
    private PolicyStores() {}

    /** The store's policy objects and identities, as read now. */
    public record Contents(List<PolicyDocument> documents, Map<Integer, String> identities) {}

    /**
     * Where a node allocates identities on {@code store}: WardIdentity resources, etcd (references bound to the
     * node's lease of {@code leaseTtlSeconds}, so a dead node's go), or a directory store's keys.
     */
    public static IdentityBackend identityBackend(ClusterStore store, long leaseTtlSeconds) {
        return switch (store) {
            case ClusterStore.Kubernetes k -> new KubernetesIdentityBackend(k.client());
            case ClusterStore.KeyValue kv when kv.kv() instanceof EtcdKv etcd ->
                    new EtcdIdentityBackend(etcd, EtcdIdentityBackend.DEFAULT_PREFIX, leaseTtlSeconds);
            case ClusterStore.KeyValue kv -> new KvIdentityBackend(kv.kv(), EtcdIdentityBackend.DEFAULT_PREFIX);
        };
    }

    public static Contents read(ClusterStore store) {
        return switch (store) {
            case ClusterStore.Kubernetes k -> new Contents(new KubernetesPolicyStore(k.client()).list(),
                    new KubernetesIdentityBackend(k.client()).allocated());
            case ClusterStore.KeyValue kv -> new Contents(new KvPolicyStore(kv.kv(), KvPolicyStore.DEFAULT_PREFIX).list(),
                    StoredIdentities.allocated(kv.kv(), EtcdIdentityBackend.DEFAULT_PREFIX));
        };
    }
}
