package dev.ward.dnsproxy.fqdn;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The learned names per endpoint, with their expiry. The engine's FQDN identities are node-wide (a name's addresses
 * match every toFQDNs selector of that name), so an address stays known to the engine while any endpoint still holds
 * it for that name: this cache counts the holders and says when the last one let go.
 *
 * <p>Entries are changed on the engine's thread, with one exception that keeps repeated answers off that thread: an
 * entry the datapath has confirmed can have its expiry pushed out from any thread ({@link #extendConfirmed}). Expiry
 * and extension meet in one atomic value per entry: expiring swaps it to -1 only if it is still due, and extending
 * never revives a -1, so an answer is released on the fast path only for an address that is, and stays, allowed.
 */
public final class FqdnCache {
    record NameAddress(String name, InetAddress address) {}

    /** One (endpoint, name, address): its expiry (-1 once removed), whether the datapath holds it, what is on disk. */
    static final class Held {
        final AtomicLong expires;
        volatile boolean confirmed;
        long journaled;

        Held(long expires) {
            this.expires = new AtomicLong(expires);
        }
    }

    private final Map<String, Map<String, Map<InetAddress, Held>>> byEndpoint = new ConcurrentHashMap<>();
    private final Map<NameAddress, Integer> holders = new HashMap<>();
    private volatile int size;

    /**
     * Any thread: pushes the expiry of {@code endpoint}'s confirmed entries for {@code name} out to {@code expiresAt}.
     * True only if every address is held, confirmed and not being removed; false sends the caller the slow way.
     */
    public boolean extendConfirmed(String endpoint, String name, List<InetAddress> addresses, long expiresAt) {
        Map<String, Map<InetAddress, Held>> names = byEndpoint.get(endpoint);
        Map<InetAddress, Held> byAddress = names == null ? null : names.get(name);
        if (byAddress == null) return false;
        for (InetAddress a : addresses) {
            Held h = byAddress.get(a);
            if (h == null || !h.confirmed) return false;
            while (true) {
                long old = h.expires.get();
                if (old < 0) return false;
                if (old >= expiresAt || h.expires.compareAndSet(old, expiresAt)) break;
            }
        }
        return true;
    }

    /**
     * Records that {@code endpoint} got {@code addresses} for {@code name}, valid until {@code expiresAt} (an earlier
     * expiry never shortens a later one). Returns true when something changed enough to be worth persisting: a new
     * entry, or an expiry pushed out by at least {@code persistSlackMillis}.
     */
    public boolean record(String endpoint, String name, List<InetAddress> addresses, long expiresAt, long persistSlackMillis) {
        Map<InetAddress, Held> byAddress = byEndpoint.computeIfAbsent(endpoint, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(name, k -> new ConcurrentHashMap<>());
        boolean worth = false;
        for (InetAddress a : addresses) {
            Held h = byAddress.get(a);
            if (h == null) {
                h = new Held(expiresAt);
                byAddress.put(a, h);
                holders.merge(new NameAddress(name, a), 1, Integer::sum);
                size++;
                worth = true;
            } else {
                long old = h.expires.accumulateAndGet(expiresAt, Math::max);
                worth |= old - h.journaled >= persistSlackMillis;
            }
            if (worth) h.journaled = h.expires.get();
        }
        return worth;
    }

    /** The datapath holds these addresses for {@code endpoint}'s {@code name}: answers may now take the fast path. */
    public void confirm(String endpoint, String name, List<InetAddress> addresses) {
        Map<InetAddress, Held> byAddress = addressesOf(endpoint, name);
        if (byAddress == null) return;
        for (InetAddress a : addresses) {
            Held h = byAddress.get(a);
            if (h != null && h.expires.get() >= 0) h.confirmed = true;
        }
    }

    /** Entries whose expiry is at or before {@code nowMillis}. */
    public List<FqdnEntry> expired(long nowMillis) {
        List<FqdnEntry> out = new ArrayList<>();
        forEach((e, h) -> {
            if (e.expiresAtMillis() >= 0 && e.expiresAtMillis() <= nowMillis) out.add(e);
        });
        return out;
    }

    /** Entries whose expiry moved at least {@code slackMillis} past what was persisted; marks them persisted. */
    public List<FqdnEntry> drifted(long slackMillis) {
        List<FqdnEntry> out = new ArrayList<>();
        forEach((e, h) -> {
            if (e.expiresAtMillis() - h.journaled >= slackMillis) {
                h.journaled = e.expiresAtMillis();
                out.add(e);
            }
        });
        return out;
    }

    /** Keeps a due entry until {@code expiresAt} (an open connection); false if it was extended or removed meanwhile. */
    public void extend(FqdnEntry e, long expiresAt) {
        Held h = held(e.endpoint(), e.name(), e.address());
        if (h != null) h.expires.accumulateAndGet(expiresAt, (old, x) -> old < 0 ? old : Math.max(old, x));
    }

    /**
     * Removes an entry if it is still due at {@code nowMillis} (a fast-path extension may have saved it). Returns
     * whether it was removed; {@link #lastHolderGone} then tells whether the engine should forget the address.
     */
    public boolean expire(String endpoint, String name, InetAddress address, long nowMillis) {
        Held h = held(endpoint, name, address);
        if (h == null) return false;
        while (true) {
            long old = h.expires.get();
            if (old < 0 || old > nowMillis) return false;
            if (h.expires.compareAndSet(old, -1)) break;
        }
        drop(endpoint, name, address);
        return true;
    }

    /** After a removal: true when no endpoint holds {@code name -> address} any more. */
    public boolean lastHolderGone(String name, InetAddress address) {
        NameAddress key = new NameAddress(name, address);
        Integer n = holders.get(key);
        return n == null;
    }

    public boolean held(String name, InetAddress address) {
        return holders.containsKey(new NameAddress(name, address));
    }

    public int size() {
        return size;
    }

    public List<FqdnEntry> entries() {
        List<FqdnEntry> out = new ArrayList<>(size);
        forEach((e, h) -> {
            if (e.expiresAtMillis() >= 0) out.add(e);
        });
        return out;
    }

    private void drop(String endpoint, String name, InetAddress address) {
        Map<String, Map<InetAddress, Held>> names = byEndpoint.get(endpoint);
        Map<InetAddress, Held> m = names.get(name);
        m.remove(address);
        size--;
        if (m.isEmpty()) names.remove(name);
        if (names.isEmpty()) byEndpoint.remove(endpoint);
        NameAddress key = new NameAddress(name, address);
        int left = holders.merge(key, -1, Integer::sum);
        if (left <= 0) holders.remove(key);
    }

    private Held held(String endpoint, String name, InetAddress address) {
        Map<InetAddress, Held> m = addressesOf(endpoint, name);
        return m == null ? null : m.get(address);
    }

    private Map<InetAddress, Held> addressesOf(String endpoint, String name) {
        Map<String, Map<InetAddress, Held>> names = byEndpoint.get(endpoint);
        return names == null ? null : names.get(name);
    }

    private void forEach(java.util.function.BiConsumer<FqdnEntry, Held> c) {
        for (var ep : byEndpoint.entrySet()) {
            for (var n : ep.getValue().entrySet()) {
                for (var a : n.getValue().entrySet()) {
                    c.accept(new FqdnEntry(ep.getKey(), n.getKey(), a.getKey(), a.getValue().expires.get()), a.getValue());
                }
            }
        }
    }

}
