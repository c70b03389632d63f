package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.bpf.maps.IpCacheValue;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.identity.ReservedIdentity;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ipcache: which security identity an address prefix has (pods of every node, CIDR and FQDN identities).
 * The datapath takes a remote address's longest prefix, and world where none holds it. Keeps an index of
 * prefixes by identity, rebuilt from the map when opened, so an identity that goes can be unwritten.
 */
public final class IpCache {
    private final BpfMap map;
    private final Map<IpPrefix, Integer> index = new HashMap<>();
    private final Map<Integer, Set<IpPrefix>> byIdentity = new HashMap<>();

    IpCache(BpfMap map) {
        this.map = map;
        entries().forEach(this::noteWritten);
    }

    BpfMap map() {
        return map;
    }

    /** Maps {@code prefix} to {@code identity}, replacing what it mapped to. Throws when the ipcache is full. */
    public void upsert(IpPrefix prefix, int identity) {
        int errno = map.tryUpdate(IpCacheKey.encode(prefix), IpCacheValue.encode(identity), 0);
        if (errno != 0) throw new IpCacheFullException(prefix, errno, map.info().maxEntries());
        noteWritten(prefix, identity);
    }

    /** Removes {@code prefix}; its addresses fall back to a shorter prefix or world. True if it was there. */
    public boolean remove(IpPrefix prefix) {
        noteRemoved(prefix);
        return map.delete(IpCacheKey.encode(prefix));
    }

    /** What the kernel map holds, read back. */
    public Map<IpPrefix, Integer> entries() {
        return entries(map);
    }

    /** What an ipcache map holds (this process's or one another pinned). */
    static Map<IpPrefix, Integer> entries(BpfMap map) {
        Map<IpPrefix, Integer> out = new LinkedHashMap<>();
        for (BpfMap.Element e : map.elements()) out.put(IpCacheKey.decode(e.key()), IpCacheValue.decodeIdentity(e.value()));
        return out;
    }

    /** The identity the datapath gives {@code address}: a kernel longest-prefix lookup, world if nothing holds it. */
    public int identityOf(InetAddress address) {
        byte[] v = map.lookup(IpCacheKey.lookup(address));
        return v == null ? ReservedIdentity.WORLD.id() : IpCacheValue.decodeIdentity(v);
    }

    /** The prefixes written for {@code identity} (from the index, not the kernel). */
    public List<IpPrefix> prefixesOf(int identity) {
        return new ArrayList<>(byIdentity.getOrDefault(identity, Set.of()));
    }

    void noteWritten(IpPrefix prefix, int identity) {
        Integer before = index.put(prefix, identity);
        if (before != null && before != identity) unindex(prefix, before);
        byIdentity.computeIfAbsent(identity, k -> new HashSet<>()).add(prefix);
    }

    void noteRemoved(IpPrefix prefix) {
        Integer before = index.remove(prefix);
        if (before != null) unindex(prefix, before);
    }

    private void unindex(IpPrefix prefix, int identity) {
        Set<IpPrefix> s = byIdentity.get(identity);
        if (s != null && s.remove(prefix) && s.isEmpty()) byIdentity.remove(identity);
    }
}
