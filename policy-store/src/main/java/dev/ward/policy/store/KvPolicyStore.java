package dev.ward.policy.store;

import dev.ward.policy.load.PolicyDocument;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;

import java.util.List;

/**
 * Policies of a cluster without Kubernetes, kept in etcd (or a directory store) as the YAML the operator wrote, one
 * key per object: {@code <prefix><kind>/<namespace>/<name>}. Storing the text (not a parsed form) keeps one parser
 * as the only reader, so a policy means the same from a file and from the store.
 */
public final class KvPolicyStore {
    public static final String DEFAULT_PREFIX = "/ward/policies/v1/";

    private final VersionedKv kv;
    private final String prefix;

    public KvPolicyStore(VersionedKv kv, String prefix) {
        this.kv = kv;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
    }

    public void put(String kind, String namespace, String name, String yaml) {
        kv.commit(new KvTxn().put(key(kind, namespace, name), yaml));
    }

    public void delete(String kind, String namespace, String name) {
        kv.commit(new KvTxn().delete(key(kind, namespace, name)));
    }

    public List<PolicyDocument> list() {
        return kv.list(prefix).stream().map(KvPolicyStore::document).toList();
    }

    private static PolicyDocument document(KvEntry e) {
        return new PolicyDocument("store:" + e.key(), e.text());
    }

    private String key(String kind, String namespace, String name) {
        return prefix + kind + "/" + namespace + "/" + name;
    }
}
