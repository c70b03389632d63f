package dev.ward.agent.datapath;

import dev.ward.netlink.IpPrefix;

import java.util.Map;
import java.util.Set;

/**
 * A change to the cluster's pod addresses in the ipcache: prefixes to write (new, or with a new identity or node) and
 * prefixes to delete. A prefix is never in both.
 */
public record IpcacheDelta(Map<IpPrefix, IpcacheEntry> upserts, Set<IpPrefix> removals) {
    public IpcacheDelta {
        upserts = Map.copyOf(upserts);
        removals = Set.copyOf(removals);
        for (IpPrefix p : removals) {
            if (upserts.containsKey(p)) throw new IllegalArgumentException(p + " is both written and removed");
        }
    }

    public static final IpcacheDelta EMPTY = new IpcacheDelta(Map.of(), Set.of());

    public boolean isEmpty() {
        return upserts.isEmpty() && removals.isEmpty();
    }
}
