package dev.ward.agent.ipcache;

import dev.ward.agent.datapath.IpcacheDelta;
import dev.ward.agent.datapath.IpcacheEntry;
import dev.ward.netlink.IpPrefix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The cluster's pod addresses as this node's ipcache holds them: prefix to identity and hosting node, from this
 * node's own endpoints (at once, before any store round trip) and every other node's published record. Each change
 * comes out as the {@link IpcacheDelta} the datapath writes.
 *
 * <p>An address two records claim (a dead node's stale record and the pod that now has the address elsewhere): this
 * node's own endpoint wins, else the record written last. Engine thread only.
 */
public final class ClusterIpcache {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterIpcache.class);

    private final String self;
    private final Map<String, Map<IpPrefix, IpcacheEntry>> local = new HashMap<>();
    private final Map<String, NodeRecord> remote = new HashMap<>();
    private final Map<IpPrefix, IpcacheEntry> effective = new HashMap<>();
    private long arrivals;

    private record NodeRecord(long version, long arrival, Map<IpPrefix, Integer> addresses) {}

    public ClusterIpcache(String self) {
        this.self = self;
    }

    /** This node's endpoint {@code name} has {@code addresses} and {@code identity} (a new one, or a new identity). */
    public IpcacheDelta localEndpoint(String name, Collection<IpPrefix> addresses, int identity) {
        Map<IpPrefix, IpcacheEntry> m = new LinkedHashMap<>();
        for (IpPrefix a : addresses) m.put(a, new IpcacheEntry(identity, self));
        Map<IpPrefix, IpcacheEntry> before = local.put(name, m);
        Set<IpPrefix> touched = new HashSet<>(m.keySet());
        if (before != null) touched.addAll(before.keySet());
        return recompute(touched);
    }

    public IpcacheDelta localEndpointGone(String name) {
        Map<IpPrefix, IpcacheEntry> before = local.remove(name);
        return before == null ? IpcacheDelta.EMPTY : recompute(before.keySet());
    }

    /** Another node's record changed, or went ({@code change.endpoints()} null). This node's own record is ignored. */
    public IpcacheDelta nodeChanged(EndpointRecords.Change change) {
        if (change.node().equals(self)) return IpcacheDelta.EMPTY;
        NodeRecord before = remote.get(change.node());
        if (before != null && change.version() != 0 && before.version() != 0 && change.version() < before.version()) return IpcacheDelta.EMPTY;
        Set<IpPrefix> touched = new HashSet<>();
        if (before != null) touched.addAll(before.addresses().keySet());
        if (change.endpoints() == null) {
            remote.remove(change.node());
        } else {
            Map<IpPrefix, Integer> addresses = new HashMap<>();
            for (NodeEndpoints.Published p : change.endpoints().endpoints()) {
                for (String a : p.addresses()) {
                    try {
                        IpPrefix prefix = IpPrefix.parse(a);
                        addresses.put(IpPrefix.host(prefix.address()), p.identity());
                    } catch (IllegalArgumentException e) {
                        LOG.warn("node {}'s endpoint {} has an invalid address '{}': skipped", change.node(), p.name(), a);
                    }
                }
            }
            remote.put(change.node(), new NodeRecord(change.version(), ++arrivals, addresses));
            touched.addAll(addresses.keySet());
        }
        return recompute(touched);
    }

    /** What the ipcache holds for the cluster's pods now. */
    public Map<IpPrefix, IpcacheEntry> entries() {
        return Map.copyOf(effective);
    }

    private IpcacheDelta recompute(Set<IpPrefix> touched) {
        Map<IpPrefix, IpcacheEntry> upserts = new HashMap<>();
        Set<IpPrefix> removals = new HashSet<>();
        for (IpPrefix p : touched) {
            IpcacheEntry now = winner(p);
            IpcacheEntry was = now == null ? effective.remove(p) : effective.put(p, now);
            if (Objects.equals(was, now)) continue;
            if (now == null) removals.add(p);
            else upserts.put(p, now);
        }
        return new IpcacheDelta(upserts, removals);
    }

    private IpcacheEntry winner(IpPrefix p) {
        for (Map<IpPrefix, IpcacheEntry> m : local.values()) {
            IpcacheEntry e = m.get(p);
            if (e != null) return e;
        }
        String bestNode = null;
        NodeRecord best = null;
        for (Map.Entry<String, NodeRecord> e : remote.entrySet()) {
            if (!e.getValue().addresses().containsKey(p)) continue;
            if (best == null || later(e.getValue(), best)) {
                best = e.getValue();
                bestNode = e.getKey();
            }
        }
        return best == null ? null : new IpcacheEntry(best.addresses().get(p), bestNode);
    }

    /** Written later: by the store's versions when both have one, else by arrival here. */
    private static boolean later(NodeRecord a, NodeRecord b) {
        if (a.version() != 0 && b.version() != 0) return a.version() > b.version();
        return a.arrival() > b.arrival();
    }
}
