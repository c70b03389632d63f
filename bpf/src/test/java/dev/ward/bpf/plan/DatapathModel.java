package dev.ward.bpf.plan;

import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.maps.PortPrefix;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;

import java.net.InetAddress;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The datapath's lookups (ward_policy.h) over in-memory maps, to check every intermediate state of a write
 * plan. Longest-prefix matching is done the way the LPM trie does it.
 */
final class DatapathModel {
    final Map<String, Map<PolicyKey, PolicyValue>> policy = new HashMap<>();
    final Map<String, Map<Direction, Boolean>> enforced = new HashMap<>();
    final Map<IpPrefix, Integer> ipcache = new HashMap<>();

    void load(String endpoint, Map<PolicyKey, PolicyValue> entries, boolean ingress, boolean egress) {
        policy.put(endpoint, new HashMap<>(entries));
        Map<Direction, Boolean> e = new EnumMap<>(Direction.class);
        e.put(Direction.INGRESS, ingress);
        e.put(Direction.EGRESS, egress);
        enforced.put(endpoint, e);
    }

    void apply(MapWrite w) {
        switch (w) {
            case MapWrite.PolicyUpsert u -> policy.get(u.endpoint()).put(u.key(), u.value());
            case MapWrite.PolicyDelete d -> policy.get(d.endpoint()).remove(d.key());
            case MapWrite.Enforcement f -> enforced.get(f.endpoint()).put(f.direction(), f.enforced());
            case MapWrite.IpCacheUpsert u -> ipcache.put(u.prefix(), u.identity());
            case MapWrite.IpCacheDelete d -> ipcache.remove(d.prefix());
        }
    }

    /** The value the datapath's lookup gives; the default is a value with no cookie. */
    PolicyValue lookup(String endpoint, Direction d, int identity, Protocol p, int port) {
        Map<PolicyKey, PolicyValue> m = policy.get(endpoint);
        PolicyValue v = longest(m, identity, d, p, port);
        if (v == null) v = longest(m, IdentityNumbers.ANY, d, p, port);
        if (v != null) return v;
        return new PolicyValue(enforced.get(endpoint).get(d) ? Verdict.Kind.DENY : Verdict.Kind.ALLOW, 0, 0);
    }

    private static PolicyValue longest(Map<PolicyKey, PolicyValue> m, int identity, Direction d, Protocol p, int port) {
        for (int len = 16; len >= 0; len--) {
            int value = len == 0 ? 0 : port & (0xFFFF << (16 - len)) & 0xFFFF;
            PolicyValue v = m.get(new PolicyKey(identity, d, p, new PortPrefix(value, len)));
            if (v != null) return v;
        }
        return null;
    }

    int identityOf(InetAddress a) {
        IpPrefix best = null;
        byte[] bytes = IpCacheKey.mapped(a.getAddress());
        for (IpPrefix p : ipcache.keySet()) {
            if (p.family() != IpPrefix.familyOf(a)) continue;
            if (contains(p, bytes) && (best == null || p.length() > best.length())) best = p;
        }
        return best == null ? ReservedIdentity.WORLD.id() : ipcache.get(best);
    }

    private static boolean contains(IpPrefix p, byte[] mappedAddress) {
        byte[] net = IpCacheKey.mapped(p.address().getAddress());
        int bits = p.length() + (p.address().getAddress().length == 4 ? 96 : 0);
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >> (i % 8);
            if ((net[i / 8] & mask) != (mappedAddress[i / 8] & mask)) return false;
        }
        return true;
    }
}
