package dev.ward.store.kv;

import dev.ward.store.Subscription;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * Every entry under a prefix, kept in memory by following the store ({@link VersionedKv#follow}: one listing, then
 * the changes), as a Kubernetes informer's cache is. Daemons that need the whole set again and again (keyd's
 * garbage collection, its CRL check) read it here instead of listing the store each time.
 */
public final class PrefixCache implements AutoCloseable {
    private final ConcurrentSkipListMap<String, KvEntry> entries = new ConcurrentSkipListMap<>();
    private final Subscription subscription;

    /** @param changed told of every change after the cache applied it (also of the initial entries) */
    public PrefixCache(VersionedKv kv, String prefix, Consumer<KvEvent> changed) {
        this.subscription = kv.follow(prefix, event -> {
            if (event.deleted()) entries.remove(event.key());
            else entries.put(event.key(), new KvEntry(event.key(), event.value(), event.version()));
            changed.accept(event);
        });
    }

    public PrefixCache(VersionedKv kv, String prefix) {
        this(kv, prefix, event -> { });
    }

    /** The entries as last seen, sorted by key. */
    public List<KvEntry> entries() {
        return List.copyOf(entries.values());
    }

    @Override
    public void close() {
        subscription.close();
    }
}
