package dev.ward.dnsproxy.fqdn;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.PolicyEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * toFQDNs learning through the policy engine: an answer's addresses go to {@link PolicyEngine#learnFqdn}, the delta
 * to the datapath, and the returned future completes when the datapath holds it. Entries expire at
 * max(TTL, minimum TTL) unless a connection to the address is still open; when no endpoint holds a name's address any
 * more, {@link PolicyEngine#forgetFqdn} removes it. Every learn is journaled before the datapath is asked, so an
 * answer a pod got is never missing from the journal when the process restarts.
 *
 * <p>All state lives on the engine's thread ({@code engineLoop}), the same one that makes every other engine change,
 * so learns, expiries and policy changes reach the datapath in one order.
 */
public final class EngineFqdnLearner implements FqdnLearner {
    private static final Logger LOG = LoggerFactory.getLogger(EngineFqdnLearner.class);
    /**
     * An expiry pushed out by less than this is not journaled again, and fast-path extensions reach the journal at the
     * next sweep: restoring adds this much back as grace.
     */
    static final long PERSIST_SLACK_MILLIS = 1000;
    static final long RESTORE_GRACE_MILLIS = 2 * PERSIST_SLACK_MILLIS;

    /**
     * @param minTtl         the shortest time a learned address stays allowed, whatever the answer's TTL
     * @param openGrace      how long an expired entry with an open connection is kept before it is checked again
     */
    public record Settings(Duration minTtl, Duration openGrace) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(60), Duration.ofSeconds(10));
    }

    private final Executor engineLoop;
    private final PolicyDatapath datapath;
    private final Consumer<EngineDelta> engineChanged;
    private final FqdnJournal journal;
    private final OpenConnections open;
    private final Clock clock;
    private final Settings settings;
    private final Runnable persistFailed;
    private final FqdnCache cache = new FqdnCache();
    private PolicyEngine engine;
    private volatile int size;

    /**
     * @param engineChanged told of every delta this learner makes the engine produce (the proxy's rule view, the
     *                      agent's own bookkeeping), on the engine's thread, before the datapath is asked
     * @param journal       where learns are persisted; null for none
     */
    public EngineFqdnLearner(PolicyEngine engine, Executor engineLoop, PolicyDatapath datapath,
                             Consumer<EngineDelta> engineChanged, FqdnJournal journal, OpenConnections open, Clock clock,
                             Settings settings, Runnable persistFailed) {
        this.engine = engine;
        this.engineLoop = engineLoop;
        this.datapath = datapath;
        this.engineChanged = engineChanged;
        this.journal = journal;
        this.open = open;
        this.clock = clock;
        this.settings = settings;
        this.persistFailed = persistFailed;
    }

    private static final CompletableFuture<Void> HELD = CompletableFuture.completedFuture(null);

    /**
     * An answer repeating what this endpoint was already told, for addresses the datapath confirmed and that are not
     * being removed, only pushes the expiry out, on the caller's thread: the maps hold it already. Anything else goes
     * to the engine's thread and waits for the datapath.
     */
    @Override
    public CompletableFuture<Void> learn(String endpoint, String name, List<InetAddress> addresses, long ttlSeconds) {
        long expires = clock.millis() + Math.max(Math.multiplyExact(Math.max(0, ttlSeconds), 1000L), settings.minTtl().toMillis());
        if (cache.extendConfirmed(endpoint, name, addresses, expires)) return HELD;
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            engineLoop.execute(() -> {
                try {
                    if (cache.record(endpoint, name, addresses, expires, PERSIST_SLACK_MILLIS)) persist(endpoint, name, addresses, expires);
                    size = cache.size();
                    EngineDelta d = engine.learnFqdn(name, addresses);
                    engineChanged.accept(d);
                    datapath.apply(d).whenCompleteAsync((v, t) -> {
                        if (t != null) {
                            done.completeExceptionally(t);
                            return;
                        }
                        cache.confirm(endpoint, name, addresses);
                        done.complete(null);
                    }, engineLoop);
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RuntimeException rejected) {
            done.completeExceptionally(rejected);
        }
        return done;
    }

    /** Expires what is due; run it on the engine's thread (the owner schedules it, e.g. every second). */
    public void sweep() {
        long now = clock.millis();
        if (journal != null) {
            // Expiries pushed out on the fast path reach the journal here, within one sweep.
            for (FqdnEntry e : cache.drifted(PERSIST_SLACK_MILLIS)) persist(e.endpoint(), e.name(), List.of(e.address()), e.expiresAtMillis());
        }
        List<FqdnEntry> due = cache.expired(now);
        if (due.isEmpty()) return;
        open.refresh();
        for (FqdnEntry e : due) {
            if (open.isOpen(e.endpoint(), e.address())) {
                cache.extend(e, now + settings.openGrace().toMillis());
                continue;
            }
            if (!cache.expire(e.endpoint(), e.name(), e.address(), now)) continue;
            boolean last = cache.lastHolderGone(e.name(), e.address());
            if (journal != null) {
                try {
                    journal.forgot(e.endpoint(), e.name(), e.address());
                } catch (UncheckedIOException ex) {
                    persistFailed.run();
                }
            }
            if (last) {
                EngineDelta d = engine.forgetFqdn(e.name(), e.address());
                engineChanged.accept(d);
                datapath.apply(d).whenComplete((v, t) -> {
                    if (t != null) LOG.warn("datapath did not remove expired {} -> {}: {}", e.name(), e.address().getHostAddress(), t.toString());
                });
            }
        }
        size = cache.size();
        compactIfLong();
    }

    /**
     * Puts persisted entries back (before the proxy serves): those still valid, and expired ones whose connection is
     * still open. Runs on the engine's thread; the future completes when the datapath holds them all.
     */
    public CompletableFuture<Void> restore(Collection<FqdnEntry> entries) {
        return CompletableFuture.supplyAsync(() -> {
            long now = clock.millis();
            open.refresh();
            Map<String, List<InetAddress>> byName = new LinkedHashMap<>();
            List<FqdnEntry> restored = new ArrayList<>();
            for (FqdnEntry e : entries) {
                long expires = e.expiresAtMillis() + RESTORE_GRACE_MILLIS;
                if (expires <= now) {
                    if (!open.isOpen(e.endpoint(), e.address())) continue;
                    expires = now + settings.openGrace().toMillis();
                }
                cache.record(e.endpoint(), e.name(), List.of(e.address()), expires, 0);
                byName.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e.address());
                restored.add(e);
            }
            size = cache.size();
            CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
            for (Map.Entry<String, List<InetAddress>> n : byName.entrySet()) {
                EngineDelta d = engine.learnFqdn(n.getKey(), n.getValue());
                engineChanged.accept(d);
                last = datapath.apply(d);
            }
            if (journal != null) journal.compact(cache.entries());
            return last.thenRunAsync(() -> {
                for (FqdnEntry e : restored) cache.confirm(e.endpoint(), e.name(), List.of(e.address()));
            }, engineLoop);
        }, engineLoop).thenCompose(f -> f);
    }

    /**
     * The standalone proxy rebuilt its engine from a new snapshot: the learned names go into the new engine (their
     * deltas go to {@code replayed}, not to the datapath, which already holds them) and it replaces the old one.
     * Engine thread only.
     */
    public void useEngine(PolicyEngine fresh, Consumer<EngineDelta> replayed) {
        Map<String, List<InetAddress>> byName = new LinkedHashMap<>();
        for (FqdnEntry e : cache.entries()) byName.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e.address());
        for (Map.Entry<String, List<InetAddress>> n : byName.entrySet()) replayed.accept(fresh.learnFqdn(n.getKey(), n.getValue()));
        engine = fresh;
    }

    /** The entries held now; engine thread only (see {@link #entriesAsync}). */
    public List<FqdnEntry> entries() {
        return cache.entries();
    }

    public CompletableFuture<List<FqdnEntry>> entriesAsync() {
        return CompletableFuture.supplyAsync(cache::entries, engineLoop);
    }

    public int size() {
        return size;
    }

    /** Writes the journal compacted and synced; call on the engine's thread when stopping. */
    public void flush() {
        if (journal != null) journal.compact(cache.entries());
    }

    private void persist(String endpoint, String name, List<InetAddress> addresses, long expires) {
        if (journal == null) return;
        try {
            journal.learned(endpoint, name, addresses, expires);
            compactIfLong();
        } catch (UncheckedIOException e) {
            // Losing persistence must not stop DNS: the answer is still made safe by the datapath, and the counter
            // tells the operator that a restart may forget it.
            persistFailed.run();
            LOG.warn("{}", e.getMessage());
        }
    }

    private void compactIfLong() {
        if (journal != null && journal.appendedLines() > 4L * cache.size() + 10_000) journal.compact(cache.entries());
    }
}
