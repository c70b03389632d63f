package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.model.Peer;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The cached selections filed so that a changed identity is tested only against those that can match it: a label
 * selection with an In term under that term's values (an identity carrying none of them cannot match), CIDR
 * selections apart (only identities with an address prefix, and world, can match them), DNS selections apart
 * (only identities with DNS names), and the rest tested always. A new address identity then meets a handful of
 * selections instead of every selection of every policy.
 */
final class SelectionIndex {
    private final Map<String, Map<String, Set<Selection>>> byLabel = new HashMap<>();
    private final Set<Selection> cidrs = new HashSet<>();
    private final Set<Selection> fqdns = new HashSet<>();
    private final Set<Selection> always = new HashSet<>();

    void add(Selection s) {
        Requirement term = filingTerm(s);
        if (term != null) {
            Map<String, Set<Selection>> values = byLabel.computeIfAbsent(term.key().key(), k -> new HashMap<>());
            for (String v : term.values()) values.computeIfAbsent(v, k -> new HashSet<>()).add(s);
        } else {
            group(s).add(s);
        }
    }

    void remove(Selection s) {
        Requirement term = filingTerm(s);
        if (term == null) {
            group(s).remove(s);
            return;
        }
        Map<String, Set<Selection>> values = byLabel.get(term.key().key());
        if (values == null) return;
        for (String v : term.values()) {
            Set<Selection> set = values.get(v);
            if (set == null) continue;
            set.remove(s);
            if (set.isEmpty()) values.remove(v);
        }
        if (values.isEmpty()) byLabel.remove(term.key().key());
    }

    /** Adds to {@code out} every selection that can match {@code id} (and maybe some that cannot). */
    void candidates(Identity id, Collection<Selection> out) {
        out.addAll(always);
        if (id.prefix() != null || id.id() == ReservedIdentity.WORLD.id()) out.addAll(cidrs);
        if (!id.fqdnNames().isEmpty()) out.addAll(fqdns);
        for (Label l : id.labels()) {
            Map<String, Set<Selection>> values = byLabel.get(l.key());
            if (values == null) continue;
            Set<Selection> set = values.get(l.value());
            if (set != null) out.addAll(set);
        }
    }

    private Set<Selection> group(Selection s) {
        return switch (s.peer()) {
            case Peer.Cidrs c -> cidrs;
            case Peer.Fqdn f -> fqdns;
            default -> always;
        };
    }

    /** The In term with the fewest values of a label selection, or null when it has none (or is no label selection). */
    private static Requirement filingTerm(Selection s) {
        LabelSelector sel = switch (s.peer()) {
            case Peer.Endpoints e -> e.selector();
            case Peer.Nodes n -> n.selector();
            default -> null;
        };
        if (sel == null) return null;
        Requirement best = null;
        for (Requirement r : sel.requirements()) {
            if (r.operator() == Requirement.Operator.IN && (best == null || r.values().size() < best.values().size())) best = r;
        }
        return best;
    }
}
