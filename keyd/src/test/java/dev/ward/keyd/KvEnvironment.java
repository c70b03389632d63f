package dev.ward.keyd;

import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.StoreLocation;
import dev.ward.store.StoredJson;
import dev.ward.keyd.store.kv.KvIdentityStore;
import dev.ward.trust.kv.KvKeys;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/** An etcd or directory store, opened through {@link IdentityStores} exactly as wardctl, keyd and the agent do. */
public final class KvEnvironment implements IdentityEnvironment {
    private final StoreLocation location;
    private final Path caKeyFile;
    private final List<IdentityStore> opened = new CopyOnWriteArrayList<>();
    private final Map<String, ClusterStore> agents = new ConcurrentHashMap<>();

    public KvEnvironment(StoreLocation location, Path caKeyFile) {
        this.location = location;
        this.caKeyFile = caKeyFile;
    }

    @Override
    public IdentityStore connect() {
        IdentityStore s = IdentityStores.open(location, caKeyFile);
        opened.add(s);
        return s;
    }

    @Override
    public void addNode(String node) {
        // Without Kubernetes there is no Node object: the join token is the node's admission.
    }

    @Override
    public ClusterStore agentStoreOn(String node) {
        return agents.computeIfAbsent(node, n -> ClusterStore.open(location, StoreAccess.CREATE));
    }

    @Override
    public void tamperWithTrust(UnaryOperator<Map<String, String>> change) {
        try (IdentityStore s = IdentityStores.open(location, caKeyFile)) {
            VersionedKv kv = ((KvIdentityStore) s).kv();
            Map<String, String> docs = StoredJson.mapper().readValue(kv.get(KvKeys.TRUST).orElseThrow().text(), new TypeReference<>() {});
            kv.commit(new KvTxn().put(KvKeys.TRUST, StoredJson.write(change.apply(new java.util.HashMap<>(docs)))));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes everything Ward wrote, so one etcd can serve several tests. */
    public void wipe() {
        try (IdentityStore s = IdentityStores.open(location, caKeyFile)) {
            VersionedKv kv = ((KvIdentityStore) s).kv();
            kv.list("/ward/").forEach(e -> kv.commit(new KvTxn().delete(e.key())));
        }
    }

    @Override
    public void close() {
        opened.forEach(IdentityStore::close);
        agents.values().forEach(ClusterStore::close);
    }
}
