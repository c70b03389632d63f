package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Peer;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Identities by label key and value, and the node-local ones apart: resolving a new selection then checks only
 * the identities that can match (those carrying a value its In term asks for, the address identities inside a
 * CIDR peer, any address identity for a DNS peer) instead of every identity in the cluster.
 */
final class LabelIndex {
    private final Map<String, Map<String, IntSet>> byKeyValue = new HashMap<>();
    private final IntSet nodeLocal = new IntSet();
    /** Node-local identities by their prefix, in address order: the ones inside a CIDR are one range. */
    private final TreeMap<Cidr, Integer> byPrefix = new TreeMap<>();

    void add(Identity id) {
        if (IdentityNumbers.isNodeLocal(id.id())) {
            nodeLocal.add(id.id());
            if (id.prefix() != null) byPrefix.put(id.prefix(), id.id());
        }
        for (Label l : id.labels()) {
            byKeyValue.computeIfAbsent(l.key(), k -> new HashMap<>()).computeIfAbsent(l.value(), v -> new IntSet()).add(id.id());
        }
    }

    void remove(Identity id) {
        nodeLocal.remove(id.id());
        if (id.prefix() != null) byPrefix.remove(id.prefix(), id.id());
        for (Label l : id.labels()) {
            Map<String, IntSet> values = byKeyValue.get(l.key());
            if (values == null) continue;
            IntSet s = values.get(l.value());
            if (s == null) continue;
            s.remove(id.id());
            if (s.size() == 0) values.remove(l.value());
            if (values.isEmpty()) byKeyValue.remove(l.key());
        }
    }

    /**
     * The identities that can match {@code s} (a superset, possibly the index's own set: read it, never change
     * it), or null when the selection gives no way to narrow the search and every identity must be checked.
     */
    IntSet candidates(Selection s) {
        return switch (s.peer()) {
            case Peer.Cidrs c -> c.cidr().prefixLength() == 0 ? null : inside(c.cidr());
            case Peer.Fqdn f -> nodeLocal;
            case Peer.Endpoints e -> narrowest(e.selector());
            case Peer.Nodes n -> narrowest(n.selector());
            default -> null;
        };
    }

    private IntSet inside(Cidr cidr) {
        IntSet out = new IntSet();
        for (int id : byPrefix.subMap(cidr, true, cidr.last(), true).values()) out.add(id);
        return out;
    }

    /**
     * The identities of the In term with the fewest of them. Terms are compared by the sizes of their value sets
     * before any union is built: a namespaced selector always carries the cluster or namespace term, whose union
     * would be most of the cluster, and building it would cost more than the match it narrows.
     */
    private IntSet narrowest(LabelSelector sel) {
        Requirement best = null;
        int bestSize = Integer.MAX_VALUE;
        for (Requirement r : sel.requirements()) {
            if (r.operator() != Requirement.Operator.IN) continue;
            Map<String, IntSet> values = byKeyValue.getOrDefault(r.key().key(), Map.of());
            int size = 0;
            for (String v : r.values()) {
                IntSet ids = values.get(v);
                if (ids != null) size += ids.size();
            }
            if (size < bestSize) {
                best = r;
                bestSize = size;
            }
        }
        if (best == null) return null;
        Map<String, IntSet> values = byKeyValue.getOrDefault(best.key().key(), Map.of());
        if (best.values().size() == 1) {
            IntSet only = values.get(best.values().iterator().next());
            return only != null ? only : new IntSet();
        }
        IntSet union = new IntSet();
        for (String v : best.values()) {
            IntSet ids = values.get(v);
            if (ids != null) ids.forEach(union::add);
        }
        return union;
    }
}
