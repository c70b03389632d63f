package dev.ward.dnsproxy.testing;

import dev.ward.dnsproxy.fqdn.PolicyDatapath;
import dev.ward.dnsproxy.snapshot.LocalIdentityTranslation;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.TableDelta;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A datapath for tests: applies deltas to a model of the ipcache (prefix -> identity) and of each endpoint's policy
 * rows, in order, after a configurable delay (or never), and records every delta. {@link #allows} answers as the
 * BPF lookup would: the address's identity by longest prefix, then that identity's row, else the wildcard row.
 */
public final class RecordingDatapath implements PolicyDatapath, LocalIdentityTranslation.NodeIdentities {
    private final Map<Cidr, Integer> ipcache = new HashMap<>();
    private final Map<String, Map<VerdictEntry.Key, Verdict>> rows = new HashMap<>();
    private final Map<String, Boolean> egressEnforced = new HashMap<>();
    private final List<EngineDelta> applied = new ArrayList<>();
    private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
    private volatile long delayNanos;
    private volatile boolean hold;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /** Each delta is held this long before the maps hold it (0: at once). */
    public RecordingDatapath delay(Duration d) {
        delayNanos = d.toNanos();
        return this;
    }

    /**
     * Egress of these endpoints is default-deny from the start, as the agent's maps already hold it when a standalone
     * proxy writes only its learned rows.
     */
    public synchronized RecordingDatapath enforceEgress(String... endpoints) {
        for (String e : endpoints) egressEnforced.put(e, true);
        return this;
    }

    /** Deltas from now on are never confirmed (a stuck datapath). */
    public RecordingDatapath hold(boolean on) {
        hold = on;
        return this;
    }

    @Override
    public synchronized CompletableFuture<Void> apply(EngineDelta delta) {
        if (hold) return new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> before = tail;
        tail = done;
        Runnable write = () -> before.whenComplete((v, t) -> {
            write(delta);
            done.complete(null);
        });
        if (delayNanos == 0) write.run();
        else delayer.schedule(write, delayNanos, TimeUnit.NANOSECONDS);
        return done;
    }

    private synchronized void write(EngineDelta d) {
        for (Identity i : d.identitiesAdded()) if (i.prefix() != null) ipcache.put(i.prefix(), i.id());
        for (TableDelta t : d.tables().values()) {
            Map<VerdictEntry.Key, Verdict> r = rows.computeIfAbsent(t.endpoint(), k -> new HashMap<>());
            for (VerdictEntry.Key k : t.removals()) r.remove(k);
            for (VerdictEntry e : t.upserts()) r.put(e.key(), e.verdict());
            if (t.egressEnforced() != null) egressEnforced.put(t.endpoint(), t.egressEnforced());
        }
        for (int gone : d.identitiesRemoved()) ipcache.values().removeIf(v -> v == gone);
        applied.add(d);
    }

    /** The identity the ipcache gives {@code a} now (longest prefix; world when none). */
    public synchronized int identityOf(InetAddress a) {
        Cidr host = Cidr.host(a);
        Cidr best = null;
        for (Cidr c : ipcache.keySet()) if (c.contains(host) && (best == null || c.prefixLength() > best.prefixLength())) best = c;
        return best == null ? ReservedIdentity.WORLD.id() : ipcache.get(best);
    }

    /** Whether the maps let {@code endpoint} open {@code protocol}/{@code port} to {@code a} now. */
    public synchronized boolean allows(String endpoint, InetAddress a, Protocol protocol, int port) {
        Map<VerdictEntry.Key, Verdict> r = rows.getOrDefault(endpoint, Map.of());
        int id = identityOf(a);
        Verdict v = find(r, id, protocol, port);
        if (v == null) v = find(r, IdentityNumbers.ANY, protocol, port);
        if (v == null) return !egressEnforced.getOrDefault(endpoint, false);
        return v.allowsL4();
    }

    private static Verdict find(Map<VerdictEntry.Key, Verdict> r, int id, Protocol p, int port) {
        for (Map.Entry<VerdictEntry.Key, Verdict> e : r.entrySet()) {
            VerdictEntry.Key k = e.getKey();
            if (k.direction() == Direction.EGRESS && k.remoteId() == id && k.protocol() == p && k.low() <= port && port <= k.high()) return e.getValue();
        }
        return null;
    }

    @Override
    public synchronized OptionalInt heldFor(Cidr prefix) {
        Integer id = ipcache.get(prefix);
        return id == null || !IdentityNumbers.isNodeLocal(id) ? OptionalInt.empty() : OptionalInt.of(id);
    }

    public synchronized List<EngineDelta> applied() {
        return List.copyOf(applied);
    }

    /** Every address the ipcache holds a host identity for. */
    public synchronized List<InetAddress> hostAddresses() {
        List<InetAddress> out = new ArrayList<>();
        for (Cidr c : ipcache.keySet()) if (c.isHost()) out.add(c.address());
        return out;
    }
}
