package dev.ward.store.kv;

import dev.ward.store.Subscription;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The small slice of etcd that Ward's non-Kubernetes stores need: versioned reads, guarded multi-key
 * transactions, and prefix watches. Implemented over etcd itself and over a local directory.
 */
public interface VersionedKv extends AutoCloseable {
    Optional<KvEntry> get(String key);

    List<KvEntry> list(String prefix);

    /** Applies the transaction if all its guards hold; false (and nothing written) otherwise. */
    boolean commit(KvTxn txn);

    /**
     * Delivers every change under {@code prefix} made after the call, in order. After a broken connection the
     * watch resumes as an informer does: if changes may have been missed, it lists the prefix again and delivers
     * what differs from what it had delivered, deletions included. So a watcher never needs to re-list on its own.
     */
    Subscription watch(String prefix, Consumer<KvEvent> listener);

    /**
     * Like {@link #watch}, but first delivers every entry under {@code prefix} as it is now (as change events), then
     * the changes after that, with nothing lost in between: an informer's list, then watch.
     */
    Subscription follow(String prefix, Consumer<KvEvent> listener);

    String describe();

    @Override
    void close();
}
