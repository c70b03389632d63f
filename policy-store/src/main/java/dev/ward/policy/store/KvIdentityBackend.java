package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Identity allocation on any {@link VersionedKv} (a single host's directory store), in the same keys as
 * {@link EtcdIdentityBackend} ({@code id/<n>}, {@code key/<labels>}, {@code ref/<n>/<node>}), each operation one
 * transaction guarded by versions: a claim by the absence of both keys; a reference by {@code id/<n>}'s version
 * (rewritten in the same transaction, so a concurrent delete fails); a delete by the version under which no
 * reference existed. References carry no lease: a directory store has one host, whose agent releases what it holds.
 */
public final class KvIdentityBackend implements IdentityBackend {
    private final VersionedKv kv;
    private final String prefix;

    public KvIdentityBackend(VersionedKv kv, String prefix) {
        this.kv = kv;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
    }

    private String idKey(int id) {
        return prefix + "id/" + id;
    }

    private String labelsKey(String key) {
        return prefix + "key/" + key;
    }

    private String refPrefix(int id) {
        return prefix + "ref/" + id + "/";
    }

    @Override
    public Optional<Integer> idForKey(String key) {
        return kv.get(labelsKey(key)).map(e -> Integer.parseInt(e.text().trim()));
    }

    @Override
    public Map<Integer, String> allocated() {
        return StoredIdentities.allocated(kv, prefix);
    }

    @Override
    public Claim claim(int id, String key) {
        if (kv.commit(new KvTxn().expectAbsent(idKey(id)).expectAbsent(labelsKey(key)).put(idKey(id), key).put(labelsKey(key), String.valueOf(id)))) {
            return new Claim.Claimed();
        }
        Optional<Integer> existing = idForKey(key);
        return existing.<Claim>map(Claim.KeyTaken::new).orElseGet(Claim.IdTaken::new);
    }

    @Override
    public void addReference(int id, String key, String node) throws IdentityGoneException {
        for (int attempt = 0; attempt < 50; attempt++) {
            Optional<KvEntry> current = kv.get(idKey(id));
            if (current.isEmpty() || !current.get().text().equals(key)) {
                throw new IdentityGoneException("identity " + id + " no longer stands for " + key);
            }
            if (kv.commit(new KvTxn().expect(idKey(id), current.get().version()).put(idKey(id), key).put(refPrefix(id) + node, ""))) return;
        }
        throw new IllegalStateException("identity " + id + ": too many concurrent updates");
    }

    @Override
    public void removeReference(int id, String node) {
        kv.commit(new KvTxn().delete(refPrefix(id) + node));
    }

    @Override
    public Set<String> references(int id) {
        Set<String> out = new HashSet<>();
        for (KvEntry e : kv.list(refPrefix(id))) out.add(e.key().substring(refPrefix(id).length()));
        return out;
    }

    @Override
    public boolean deleteIfUnreferenced(int id) {
        Optional<KvEntry> current = kv.get(idKey(id));
        if (current.isEmpty() || !kv.list(refPrefix(id)).isEmpty()) return false;
        return kv.commit(new KvTxn().expect(idKey(id), current.get().version()).delete(idKey(id)).delete(labelsKey(current.get().text())));
    }
}
