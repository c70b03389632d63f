package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.EndpointValue;
import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.bpf.maps.IpCacheValue;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.plan.MapWrite;
import dev.ward.bpf.plan.ProxyPorts;
import dev.ward.bpf.plan.RuleCookies;
import dev.ward.bpf.plan.WritePlan;
import dev.ward.bpf.plan.WritePlanner;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.bpf.sys.LibbpfException;
import dev.ward.netlink.Errno;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The maps a node's agent pinned, opened by another process without loading or attaching any program: the standalone
 * DNS proxy writes the addresses it learns (ipcache entries, policy rows of the endpoints) while the agent is down.
 * It adds to what the agent wrote and never takes it away: a delete is made only of an entry this object created
 * (absent before) that still holds what it wrote, so an agent that came back and rewrote an entry owns it again.
 * Enforcement flags, locks and the endpoints map stay the agent's alone, and so does the policy revision: what this
 * adds only allows more, so no established flow needs judging again, and the agent's revision must only grow (one
 * writer, counting from its own).
 *
 * <p>Not thread-safe: one caller (the proxy's engine thread).
 */
public final class PinnedMaps implements AutoCloseable {
    /** How long a read of the whole ipcache answers {@link #identityHeldFor} before the map is read again. */
    private static final long IPCACHE_READ_NANOS = 1_000_000_000L;

    private final Path root;
    private final BpfMap endpointsMap;
    private final BpfMap ipcacheMap;
    private final ProxyStandby standby;
    private final WritePlanner planner;
    private volatile ProxyPorts proxyPorts = ProxyPorts.NONE;
    private Map<String, EndpointRecord> endpoints = Map.of();
    private final Map<Integer, BpfMap> policyMaps = new HashMap<>();
    private final Map<IpPrefix, Integer> ownedIpcache = new HashMap<>();
    private final Map<OwnedRow, PolicyValue> ownedRows = new HashMap<>();
    /** The ipcache as last read, with this object's writes since (engine thread only, changed in place). */
    private Map<IpPrefix, Integer> ipcacheRead = new HashMap<>();
    private long ipcacheReadAt;

    private record OwnedRow(int endpointId, PolicyKey key) {}

    private PinnedMaps(Path root, BpfMap endpointsMap, BpfMap ipcacheMap, ProxyStandby standby) {
        this.root = root;
        this.endpointsMap = endpointsMap;
        this.ipcacheMap = ipcacheMap;
        this.standby = standby;
        this.planner = new WritePlanner(new RuleCookies(), (ep, d, type) -> proxyPorts.portFor(ep, d, type));
    }

    /**
     * Opens the maps pinned under {@code pinRoot} (the agent's {@code --bpf-pin-root}). Fails naming what is missing
     * when no datapath is pinned there, or one of another version (other map shapes).
     */
    public static PinnedMaps open(Path pinRoot) {
        List<BpfMap> opened = new ArrayList<>();
        try {
            BpfMap endpoints = pinned(pinRoot, "ward_endpoints", 4, EndpointValue.SIZE, opened);
            BpfMap ipcache = pinned(pinRoot, "ward_ipcache", IpCacheKey.SIZE, IpCacheValue.SIZE, opened);
            ProxyStandby standby = Files.exists(pinRoot.resolve(ProxyStandby.MAP))
                    ? new ProxyStandby(pinned(pinRoot, ProxyStandby.MAP, 4, 4, opened)) : null;
            return new PinnedMaps(pinRoot, endpoints, ipcache, standby);
        } catch (RuntimeException e) {
            opened.forEach(BpfMap::close);
            throw e;
        }
    }

    private static BpfMap pinned(Path root, String name, int keySize, int valueSize, List<BpfMap> opened) {
        Path pin = root.resolve(name);
        if (!Files.exists(pin)) {
            throw new IllegalStateException("no " + name + " pinned under " + root + ": no Ward datapath is pinned there (has the agent run"
                    + " on this node with --datapath bpf, and is --bpf-pin-root the agent's?)");
        }
        BpfMap m = BpfMap.owned(Libbpf.getPinned(pin.toString()), name, keySize, valueSize);
        opened.add(m);
        return m;
    }

    /** Where redirect rows of the writes go from now on (the agent's proxy ports, as its snapshot names them). */
    public void proxyPorts(ProxyPorts ports) {
        this.proxyPorts = ports == null ? ProxyPorts.NONE : ports;
    }

    /**
     * Writes one engine change in the datapath's safe order, for the endpoints the endpoints map holds (others are
     * skipped: the agent writes their whole table when it attaches them). Returns the writes made. Throws naming the
     * map when the kernel refuses one (a full map); the writes before it stay.
     */
    public int apply(EngineDelta delta) {
        if (!delta.tables().isEmpty()) readEndpoints();
        WritePlan plan = planner.plan(delta, endpoints::containsKey, this::ownedPrefixesOf);
        int writes = 0;
        for (MapWrite w : plan.writes()) {
            boolean wrote = switch (w) {
                case MapWrite.PolicyUpsert u -> upsertRow(u);
                case MapWrite.PolicyDelete d -> deleteRow(d);
                case MapWrite.IpCacheUpsert u -> upsertIpcache(u.prefix(), u.identity());
                case MapWrite.IpCacheDelete d -> deleteIpcache(d.prefix());
                case MapWrite.Enforcement e -> false; // the agent's: a proxy beside it never opens or closes an endpoint
            };
            if (wrote) writes++;
        }
        return writes;
    }

    /**
     * The identity the ipcache holds for exactly {@code prefix} (not a shorter prefix holding it), if any. Read from a
     * copy of the whole map at most a second old, and this object's own writes.
     */
    public OptionalInt identityHeldFor(IpPrefix prefix) {
        long now = System.nanoTime();
        if (ipcacheReadAt == 0 || now - ipcacheReadAt > IPCACHE_READ_NANOS) {
            ipcacheRead = IpCache.entries(ipcacheMap);
            ipcacheReadAt = now;
        }
        Integer id = ipcacheRead.get(prefix);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** True when the datapath has the standby ports map (a datapath of this version or newer is pinned). */
    public boolean hasProxyStandby() {
        return standby != null;
    }

    /** See {@link Datapath#setProxyStandby}; fails when the pinned datapath predates standby ports. */
    public void setProxyStandby(int port, int standbyPort) {
        if (standby == null) {
            throw new IllegalStateException("the datapath pinned under " + root + " has no " + ProxyStandby.MAP
                    + " map (an older agent pinned it): redirects cannot fall back to a standby port until the agent is upgraded");
        }
        standby.set(port, standbyPort);
    }

    /** The standby registered for {@code port}, 0 if none (or the datapath has no standby ports). */
    public int proxyStandby(int port) {
        return standby == null ? 0 : standby.of(port);
    }

    /** The endpoints the endpoints map holds now, by name. */
    public Map<String, EndpointRecord> endpoints() {
        readEndpoints();
        return endpoints;
    }

    private void readEndpoints() {
        Map<String, EndpointRecord> now = new HashMap<>();
        for (EndpointRecord r : EndpointTable.readBack(endpointsMap)) now.put(r.name(), r);
        // An endpoint the agent re-attached has a new id and map; the old one is out of the outer map.
        policyMaps.keySet().removeIf(id -> {
            boolean gone = now.values().stream().noneMatch(r -> r.endpointId() == id);
            if (gone) policyMaps.get(id).close();
            return gone;
        });
        endpoints = now;
    }

    private BpfMap policyMap(String endpoint) {
        EndpointRecord r = endpoints.get(endpoint);
        BpfMap m = policyMaps.get(r.endpointId());
        if (m != null) return m;
        Path pin = root.resolve(PolicyMaps.pinName(r.endpointId()));
        if (!Files.exists(pin)) throw new IllegalStateException("endpoint " + endpoint + " has no policy map pinned at " + pin);
        m = BpfMap.owned(Libbpf.getPinned(pin.toString()), PolicyMaps.pinName(r.endpointId()), PolicyKey.SIZE, PolicyValue.SIZE);
        policyMaps.put(r.endpointId(), m);
        return m;
    }

    private boolean upsertRow(MapWrite.PolicyUpsert u) {
        BpfMap m = policyMap(u.endpoint());
        OwnedRow row = new OwnedRow(endpoints.get(u.endpoint()).endpointId(), u.key());
        byte[] key = u.key().encode();
        byte[] value = u.value().encode();
        int errno = m.tryUpdate(key, value, Libbpf.BPF_NOEXIST);
        if (errno == 0) {
            ownedRows.put(row, u.value());
            return true;
        }
        if (errno != Errno.EEXIST) throw refused("writing a policy row of endpoint " + u.endpoint() + " into " + m.name(), errno);
        errno = m.tryUpdate(key, value, Libbpf.BPF_EXIST);
        if (errno != 0) throw refused("writing a policy row of endpoint " + u.endpoint() + " into " + m.name(), errno);
        ownedRows.computeIfPresent(row, (k, v) -> u.value());
        return true;
    }

    private boolean deleteRow(MapWrite.PolicyDelete d) {
        OwnedRow row = new OwnedRow(endpoints.get(d.endpoint()).endpointId(), d.key());
        PolicyValue wrote = ownedRows.remove(row);
        if (wrote == null) return false;
        BpfMap m = policyMap(d.endpoint());
        byte[] held = m.lookup(d.key().encode());
        if (held == null || !PolicyValue.decode(held).equals(wrote)) return false;
        return m.delete(d.key().encode());
    }

    private boolean upsertIpcache(IpPrefix prefix, int identity) {
        byte[] key = IpCacheKey.encode(prefix);
        byte[] value = IpCacheValue.encode(identity);
        int errno = ipcacheMap.tryUpdate(key, value, Libbpf.BPF_NOEXIST);
        if (errno == 0) {
            ownedIpcache.put(prefix, identity);
        } else if (errno == Errno.EEXIST) {
            errno = ipcacheMap.tryUpdate(key, value, Libbpf.BPF_EXIST);
            if (errno != 0) throw refused("writing " + prefix + " into the ipcache", errno);
            ownedIpcache.computeIfPresent(prefix, (k, v) -> identity);
        } else {
            throw refused("writing " + prefix + " into the ipcache (" + ipcacheMap.info().maxEntries() + " entries at most)", errno);
        }
        if (ipcacheReadAt != 0) ipcacheRead.put(prefix, identity);
        return true;
    }

    private boolean deleteIpcache(IpPrefix prefix) {
        Integer wrote = ownedIpcache.remove(prefix);
        if (wrote == null) return false;
        byte[] held = ipcacheMap.lookup(IpCacheKey.encode(prefix));
        if (held == null || IpCacheValue.decodeIdentity(held) != wrote) return false;
        boolean deleted = ipcacheMap.delete(IpCacheKey.encode(prefix));
        if (ipcacheReadAt != 0) ipcacheRead.remove(prefix);
        return deleted;
    }

    private List<IpPrefix> ownedPrefixesOf(int identity) {
        List<IpPrefix> out = new ArrayList<>();
        ownedIpcache.forEach((p, id) -> {
            if (id == identity) out.add(p);
        });
        return out;
    }

    private static LibbpfException refused(String doing, int errno) {
        return new LibbpfException(doing, errno, Libbpf.messages());
    }

    @Override
    public void close() {
        policyMaps.values().forEach(BpfMap::close);
        policyMaps.clear();
        endpointsMap.close();
        ipcacheMap.close();
        if (standby != null) standby.close();
    }
}
