package dev.ward.agent.ipcache;

import dev.ward.pki.NodeNames;
import dev.ward.store.CorruptRecordException;
import dev.ward.store.StoredJson;
import dev.ward.store.Subscription;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/** Endpoint records in etcd or a directory store: {@code /ward/endpoints/v1/NODE}, the node's record as JSON. */
public final class KvEndpointRecords implements EndpointRecords {
    private static final Logger LOG = LoggerFactory.getLogger(KvEndpointRecords.class);
    public static final String PREFIX = "/ward/endpoints/v1/";

    private final VersionedKv kv;

    public KvEndpointRecords(VersionedKv kv) {
        this.kv = kv;
    }

    public static String key(String node) {
        return PREFIX + NodeNames.require(node, "node name");
    }

    @Override
    public void publish(NodeEndpoints endpoints) {
        kv.commit(new KvTxn().put(key(endpoints.node()), StoredJson.write(endpoints)));
    }

    @Override
    public void withdraw(String node) {
        kv.commit(new KvTxn().delete(key(node)));
    }

    @Override
    public Set<String> nodes() {
        Set<String> nodes = new TreeSet<>();
        for (KvEntry e : kv.list(PREFIX)) nodes.add(e.key().substring(PREFIX.length()));
        return nodes;
    }

    @Override
    public Subscription follow(Consumer<Change> listener) {
        Subscription watch = kv.watch(PREFIX, e -> deliver(listener, e.key(), e.version(), e.text()));
        for (KvEntry e : kv.list(PREFIX)) deliver(listener, e.key(), e.version(), e.text());
        return watch;
    }

    private static void deliver(Consumer<Change> listener, String key, long version, String text) {
        String node = key.substring(PREFIX.length());
        if (!NodeNames.isValid(node)) {
            LOG.warn("skipping endpoint record {}: not named by a node", key);
            return;
        }
        if (text == null) {
            listener.accept(new Change(node, version, null));
            return;
        }
        try {
            NodeEndpoints n = StoredJson.read(text, NodeEndpoints.class, "endpoint record " + key);
            if (!n.node().equals(node)) throw new CorruptRecordException("endpoint record " + key + " says it is node " + n.node() + "'s");
            listener.accept(new Change(node, version, n));
        } catch (CorruptRecordException | IllegalArgumentException e) {
            LOG.warn("skipping {}", e.getMessage());
        }
    }

    @Override
    public String describe() {
        return "endpoint records under " + PREFIX + " in " + kv.describe();
    }

    @Override
    public void close() {}
}
