package dev.ward.policy.compute;

import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.RuleRef;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The policy state of one local endpoint: the rules that select it, their contributions indexed by selection,
 * and its table rows keyed by remote identity. Rows for one identity can be rebuilt on their own, which is what
 * makes updates incremental.
 */
final class EndpointPolicy {
    final LocalEndpoint endpoint;
    final TreeMap<PolicyKey, List<Rule>> selecting = new TreeMap<>();
    final Map<Integer, List<VerdictEntry>> rows = new HashMap<>();
    private List<Contribution> contributions = List.of();
    private List<Contribution> wildcard = List.of();
    private Map<Selection, List<Contribution>> bySelection = Map.of();
    private ConflictIndex conflicts = ConflictIndex.NONE;
    private Map<Direction, List<RuleRef>> enforcing = new EnumMap<>(Direction.class);

    EndpointPolicy(LocalEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    String name() {
        return endpoint.name();
    }

    List<Rule> selectingRules() {
        List<Rule> out = new ArrayList<>();
        selecting.values().forEach(out::addAll);
        return out;
    }

    void setContributions(List<Contribution> cs) {
        contributions = List.copyOf(cs);
        List<Contribution> wc = new ArrayList<>();
        Map<Selection, List<Contribution>> by = new LinkedHashMap<>();
        for (Contribution c : cs) {
            if (c.selection().wildcard()) wc.add(c);
            else by.computeIfAbsent(c.selection(), k -> new ArrayList<>()).add(c);
        }
        wildcard = wc;
        bySelection = by;
        conflicts = ConflictIndex.of(cs);
        Map<Direction, List<RuleRef>> enf = new EnumMap<>(Direction.class);
        for (Direction d : Direction.values()) {
            List<RuleRef> refs = new ArrayList<>();
            for (Rule r : selectingRules()) if (r.enforces(d)) refs.add(r.ref());
            enf.put(d, refs);
        }
        enforcing = enf;
    }

    List<Contribution> contributions() {
        return contributions;
    }

    List<Contribution> wildcard() {
        return wildcard;
    }

    Set<Selection> selections() {
        return bySelection.keySet();
    }

    ConflictIndex conflicts() {
        return conflicts;
    }

    Map<Direction, List<RuleRef>> enforcing() {
        return enforcing;
    }

    /** The contributions that apply to remote identity {@code id}. */
    List<Contribution> relevantFor(int id, Membership m) {
        if (id == IdentityNumbers.ANY) return wildcard;
        List<Contribution> out = new ArrayList<>(wildcard);
        for (Map.Entry<Selection, List<Contribution>> e : bySelection.entrySet()) {
            if (m.contains(e.getKey(), id)) out.addAll(e.getValue());
        }
        return out;
    }

    /** Rebuilds the rows for one identity; returns the rows (empty when the identity needs none). */
    List<VerdictEntry> rebuild(int id, Membership m) {
        List<VerdictEntry> built = CellBuilder.build(id, relevantFor(id, m), conflicts);
        if (built.isEmpty()) rows.remove(id);
        else rows.put(id, built);
        return built;
    }

    /** Rebuilds every row: "any" plus every identity some selection matches. */
    void rebuildAll(Membership m) {
        rows.clear();
        Map<Integer, List<Contribution>> perId = new HashMap<>();
        for (Map.Entry<Selection, List<Contribution>> e : bySelection.entrySet()) {
            List<Contribution> cs = e.getValue();
            m.forEachMember(e.getKey(), id -> perId.computeIfAbsent(id, k -> new ArrayList<>(wildcard)).addAll(cs));
        }
        List<VerdictEntry> any = CellBuilder.build(IdentityNumbers.ANY, wildcard, conflicts);
        if (!any.isEmpty()) rows.put(IdentityNumbers.ANY, any);
        for (Map.Entry<Integer, List<Contribution>> e : perId.entrySet()) {
            List<VerdictEntry> built = CellBuilder.build(e.getKey(), e.getValue(), conflicts);
            if (!built.isEmpty()) rows.put(e.getKey(), built);
        }
    }

    VerdictTable table() {
        return new VerdictTable(name(), enforcing, rows, conflicts.all());
    }
}
