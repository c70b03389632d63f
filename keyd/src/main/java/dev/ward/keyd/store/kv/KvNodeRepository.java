package dev.ward.keyd.store.kv;

import dev.ward.keyd.store.FollowedNodeRecords;
import dev.ward.keyd.store.NodeListing;
import dev.ward.store.kv.PrefixCache;
import dev.ward.store.CorruptRecordException;
import dev.ward.trust.kv.KvKeys;
import dev.ward.store.kv.VersionedKv;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.KvTxn;
import dev.ward.keyd.NodeRecord;
import dev.ward.keyd.store.NodeRepository;
import dev.ward.store.StoredJson;
import dev.ward.store.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

final class KvNodeRepository implements NodeRepository {
    private final VersionedKv kv;

    KvNodeRepository(VersionedKv kv) {
        this.kv = kv;
    }

    @Override
    public Optional<Versioned<NodeRecord>> get(String node) {
        return kv.get(KvKeys.node(node)).map(e -> new Versioned<>(decode(e), Long.toString(e.version())));
    }

    @Override
    public NodeListing list() {
        return listing(kv.list(KvKeys.NODES));
    }

    @Override
    public FollowedNodeRecords follow(Runnable changed) {
        PrefixCache cache = new PrefixCache(kv, KvKeys.NODES, event -> changed.run());
        return new FollowedNodeRecords() {
            @Override
            public NodeListing listing() {
                return KvNodeRepository.listing(cache.entries());
            }

            @Override
            public void close() {
                cache.close();
            }
        };
    }

    private static NodeListing listing(List<KvEntry> entries) {
        List<NodeRecord> readable = new ArrayList<>();
        List<CorruptRecordException> unreadable = new ArrayList<>();
        for (KvEntry e : entries) {
            try {
                readable.add(decode(e));
            } catch (CorruptRecordException bad) {
                unreadable.add(bad);
            }
        }
        return new NodeListing(readable, unreadable);
    }

    @Override
    public boolean put(NodeRecord record, String expectedVersion) {
        String key = KvKeys.node(record.node());
        return kv.commit(new KvTxn().expect(key, expectedVersion == null ? 0 : Long.parseLong(expectedVersion))
                .put(key, StoredJson.write(record)));
    }

    static NodeRecord decode(KvEntry e) {
        return StoredJson.read(e.text(), NodeRecord.class, "node record " + e.key());
    }
}
