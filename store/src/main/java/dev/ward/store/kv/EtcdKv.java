package dev.ward.store.kv;

import dev.ward.store.DaemonThreads;
import dev.ward.store.Subscription;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** {@link VersionedKv} over etcd v3 (jetcd): versions are mod revisions, transactions are etcd transactions. */
public final class EtcdKv implements VersionedKv {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdKv.class);

    private final EtcdConnection connection;
    private final Client client;
    private final ScheduledExecutorService rewatch = DaemonThreads.single("ward-etcd-rewatch");

    public EtcdKv(String... endpoints) {
        this(EtcdConnection.DEFAULT_TIMEOUT, endpoints);
    }

    /** @param timeout how long one operation may take before the store counts as unreachable */
    public EtcdKv(Duration timeout, String... endpoints) {
        this(EtcdConnection.open(timeout, List.of(endpoints)));
    }

    /** Takes over {@code connection}: closing this closes it. */
    public EtcdKv(EtcdConnection connection) {
        this.connection = connection;
        this.client = connection.client();
    }

    /** The connection underneath, for etcd features beyond this interface (leases). */
    public EtcdConnection connection() {
        return connection;
    }

    @Override
    public Optional<KvEntry> get(String key) {
        GetResponse r = await(client.getKVClient().get(bytes(key)), "read " + key);
        return r.getKvs().stream().findFirst().map(EtcdKv::entry);
    }

    @Override
    public List<KvEntry> list(String prefix) {
        return listWithRevision(prefix).entries;
    }

    private record Listing(List<KvEntry> entries, long revision) {}

    private Listing listWithRevision(String prefix) {
        GetResponse r = await(client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()), "list " + prefix);
        return new Listing(r.getKvs().stream().map(EtcdKv::entry).toList(), r.getHeader().getRevision());
    }

    @Override
    public boolean commit(KvTxn txn) {
        List<Cmp> cmps = new ArrayList<>();
        for (KvTxn.Guard g : txn.guards()) {
            cmps.add(g.version() == 0
                    ? new Cmp(bytes(g.key()), Cmp.Op.EQUAL, CmpTarget.version(0))
                    : new Cmp(bytes(g.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(g.version())));
        }
        List<Op> ops = new ArrayList<>();
        for (KvTxn.Write w : txn.writes()) {
            ops.add(w.value() == null
                    ? Op.delete(bytes(w.key()), DeleteOption.DEFAULT)
                    : Op.put(bytes(w.key()), ByteSequence.from(w.value()), PutOption.DEFAULT));
        }
        return await(client.getKVClient().txn().If(cmps.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit(),
                "commit a transaction").isSucceeded();
    }

    @Override
    public Subscription watch(String prefix, Consumer<KvEvent> listener) {
        ResumingWatch w = new ResumingWatch(prefix, listener);
        w.begin(listWithRevision(prefix), false);
        return w;
    }

    @Override
    public Subscription follow(String prefix, Consumer<KvEvent> listener) {
        ResumingWatch w = new ResumingWatch(prefix, listener);
        w.begin(listWithRevision(prefix), true);
        return w;
    }

    /**
     * A prefix watch that survives errors: jetcd retries transient failures itself; when the watch is cancelled
     * (e.g. the revision was compacted away), this re-lists the prefix, delivers what differs from what the
     * listener has seen (deleted keys as deletions) and watches from there.
     */
    final class ResumingWatch implements Subscription {
        private final String prefix;
        private final Consumer<KvEvent> listener;
        /** Each key's version as last delivered (or listed at the start): what a re-list is compared with. */
        private final java.util.Map<String, Long> delivered = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile Watch.Watcher watcher;
        private volatile boolean closed;
        private volatile boolean interruptedForTest;

        ResumingWatch(String prefix, Consumer<KvEvent> listener) {
            this.prefix = prefix;
            this.listener = listener;
        }

        void begin(Listing listing, boolean deliverListing) {
            for (KvEntry e : listing.entries) {
                delivered.put(e.key(), e.version());
                if (deliverListing) listener.accept(new KvEvent(e.key(), e.value(), e.version()));
            }
            watchFrom(listing.revision + 1);
        }

        /** Lists again and delivers the difference: what a watch that may have missed changes owes its listener. */
        void resume() {
            if (closed) return;
            interruptedForTest = false;
            try {
                Listing l = listWithRevision(prefix);
                java.util.Set<String> present = new java.util.HashSet<>();
                for (KvEntry e : l.entries) {
                    present.add(e.key());
                    if (!Long.valueOf(e.version()).equals(delivered.get(e.key()))) emit(new KvEvent(e.key(), e.value(), e.version()));
                }
                for (String key : java.util.List.copyOf(delivered.keySet())) {
                    if (!present.contains(key)) emit(new KvEvent(key, null, l.revision));
                }
                watchFrom(l.revision + 1);
            } catch (RuntimeException e) {
                restartLater(e);
            }
        }

        private void watchFrom(long revision) {
            if (closed) return;
            try {
                WatchOption opt = WatchOption.builder().isPrefix(true).withRevision(revision).build();
                watcher = client.getWatchClient().watch(bytes(prefix), opt, Watch.listener(
                        response -> response.getEvents().forEach(this::deliver),
                        error -> restartLater(error),
                        () -> restartLater(null)));
            } catch (RuntimeException e) {
                restartLater(e);
            }
        }

        private void deliver(WatchEvent event) {
            if (interruptedForTest) return;
            KeyValue kv = event.getKeyValue();
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            emit(event.getEventType() == WatchEvent.EventType.DELETE
                    ? new KvEvent(key, null, kv.getModRevision())
                    : new KvEvent(key, kv.getValue().getBytes(), kv.getModRevision()));
        }

        private void emit(KvEvent event) {
            if (event.deleted()) delivered.remove(event.key());
            else delivered.put(event.key(), event.version());
            listener.accept(event);
        }

        /** Ends the etcd watch as a broken connection would, without resuming: tests then call {@link #resume()}. */
        void interruptForTest() {
            interruptedForTest = true;
            Watch.Watcher w = watcher;
            if (w != null) w.close();
        }

        private void restartLater(Throwable error) {
            if (closed || interruptedForTest) return;
            LOG.warn("etcd watch on {} at {} ended ({}); re-listing and watching again", prefix, connection.describe(),
                    error == null ? "completed" : error.getMessage());
            Watch.Watcher w = watcher;
            if (w != null) w.close();
            try {
                rewatch.schedule(this::resume, 1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // close() shut the scheduler down and is closing the client, which completes every watch: no restart.
            }
        }

        @Override
        public void close() {
            closed = true;
            Watch.Watcher w = watcher;
            if (w != null) w.close();
        }
    }

    @Override
    public String describe() {
        return connection.describe();
    }

    @Override
    public void close() {
        rewatch.shutdownNow();
        connection.close();
    }

    private <T> T await(CompletableFuture<T> f, String what) {
        return connection.await(f, what);
    }

    private static KvEntry entry(KeyValue kv) {
        return new KvEntry(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(), kv.getModRevision());
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
