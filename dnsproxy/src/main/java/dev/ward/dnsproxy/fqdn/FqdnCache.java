package dev.ward.dnsproxy.fqdn;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The learned names per endpoint, with their expiry. The engine's FQDN identities are node-wide (a name's addresses
 * match every toFQDNs selector of that name), so an address stays known to the engine while any endpoint still holds
 * it for that name: this cache counts the holders and says when the last one let go.
 *
 * <p>Engine thread only.
 */
public final class FqdnCache {
    record NameAddress(String name, InetAddress address) {}

    private final Map<String, Map<String, Map<InetAddress, Long>>> byEndpoint = new TreeMap<>();
    private final Map<NameAddress, Integer> holders = new HashMap<>();
    private int size;

    /**
     * Records that {@code endpoint} got {@code addresses} for {@code name}, valid until {@code expiresAt} (an earlier
     * expiry never shortens a later one). Returns true when something changed enough to be worth persisting: a new
     * entry, or an expiry pushed out by at least {@code persistSlackMillis}.
     */
    public boolean record(String endpoint, String name, List<InetAddress> addresses, long expiresAt, long persistSlackMillis) {
        Map<InetAddress, Long> byAddress = byEndpoint.computeIfAbsent(endpoint, k -> new TreeMap<>())
                .computeIfAbsent(name, k -> new HashMap<>());
        boolean worth = false;
        for (InetAddress a : addresses) {
            Long before = byAddress.get(a);
            if (before == null) {
                byAddress.put(a, expiresAt);
                holders.merge(new NameAddress(name, a), 1, Integer::sum);
                size++;
                worth = true;
            } else if (expiresAt > before) {
                byAddress.put(a, expiresAt);
                worth |= expiresAt - before >= persistSlackMillis;
            }
        }
        return worth;
    }

    /** Entries whose expiry is at or before {@code nowMillis}. */
    public List<FqdnEntry> expired(long nowMillis) {
        List<FqdnEntry> out = new ArrayList<>();
        forEach(e -> {
            if (e.expiresAtMillis() <= nowMillis) out.add(e);
        });
        return out;
    }

    public void extend(FqdnEntry e, long expiresAt) {
        Map<InetAddress, Long> m = addressesOf(e.endpoint(), e.name());
        if (m != null && m.containsKey(e.address())) m.put(e.address(), Math.max(m.get(e.address()), expiresAt));
    }

    /** Removes one entry; true when no endpoint holds {@code name -> address} any more (the engine should forget it). */
    public boolean remove(String endpoint, String name, InetAddress address) {
        Map<String, Map<InetAddress, Long>> names = byEndpoint.get(endpoint);
        if (names == null) return false;
        Map<InetAddress, Long> m = names.get(name);
        if (m == null || m.remove(address) == null) return false;
        size--;
        if (m.isEmpty()) names.remove(name);
        if (names.isEmpty()) byEndpoint.remove(endpoint);
        NameAddress key = new NameAddress(name, address);
        int left = holders.merge(key, -1, Integer::sum);
        if (left <= 0) {
            holders.remove(key);
            return true;
        }
        return false;
    }

    public boolean held(String name, InetAddress address) {
        return holders.containsKey(new NameAddress(name, address));
    }

    public int size() {
        return size;
    }

    public List<FqdnEntry> entries() {
        List<FqdnEntry> out = new ArrayList<>(size);
        forEach(out::add);
        return out;
    }

    private Map<InetAddress, Long> addressesOf(String endpoint, String name) {
        Map<String, Map<InetAddress, Long>> names = byEndpoint.get(endpoint);
        return names == null ? null : names.get(name);
    }

    private void forEach(java.util.function.Consumer<FqdnEntry> c) {
        for (var ep : byEndpoint.entrySet()) {
            for (var n : ep.getValue().entrySet()) {
                for (var a : n.getValue().entrySet()) c.accept(new FqdnEntry(ep.getKey(), n.getKey(), a.getKey(), a.getValue()));
            }
        }
    }
}
