package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Direction;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Records one change to the engine: each touched endpoint's rows as they were before the change first touched
 * them, so the reported delta is net (a row rebuilt twice in one change is written once), plus the identities
 * that appeared or went and any rejection.
 */
final class DeltaRecorder {
    private final Function<String, EndpointPolicy> endpoints;

    DeltaRecorder(Function<String, EndpointPolicy> endpoints) {
        this.endpoints = endpoints;
    }

    final Map<String, Map<Integer, List<VerdictEntry>>> before = new HashMap<>();
    private String lastEndpoint;
    private Map<Integer, List<VerdictEntry>> lastRows;
    final Map<String, boolean[]> enforcedBefore = new HashMap<>();
    final List<Identity> added = new ArrayList<>();
    final List<Integer> removed = new ArrayList<>();
    final List<String> rejected = new ArrayList<>();
    final Set<String> dropped = new HashSet<>();

    void touch(EndpointPolicy ep, int id) {
        // Rebuilds come in runs for one endpoint; keep its map at hand.
        if (!ep.name().equals(lastEndpoint)) {
            lastRows = before.computeIfAbsent(ep.name(), k -> new HashMap<>());
            lastEndpoint = ep.name();
            touchEnforcement(ep);
        }
        if (!lastRows.containsKey(id)) lastRows.put(id, ep.rows.getOrDefault(id, List.of()));
    }

    /** A new endpoint: every row it has now is new. */
    void fresh(EndpointPolicy ep) {
        Map<Integer, List<VerdictEntry>> m = before.computeIfAbsent(ep.name(), k -> new HashMap<>());
        for (int id : ep.rows.keySet()) m.putIfAbsent(id, List.of());
    }

    void touchAll(EndpointPolicy ep) {
        for (int id : List.copyOf(ep.rows.keySet())) touch(ep, id);
        touchEnforcement(ep);
    }

    void touchEnforcement(EndpointPolicy ep) {
        enforcedBefore.computeIfAbsent(ep.name(), k -> new boolean[] {
                !ep.enforcing().getOrDefault(Direction.INGRESS, List.of()).isEmpty(),
                !ep.enforcing().getOrDefault(Direction.EGRESS, List.of()).isEmpty()});
    }

    EngineDelta finish() {
        Map<String, TableDelta> tables = new TreeMap<>();
        for (Map.Entry<String, Map<Integer, List<VerdictEntry>>> e : new TreeMap<>(before).entrySet()) {
            EndpointPolicy ep = endpoints.apply(e.getKey());
            List<VerdictEntry> upserts = new ArrayList<>();
            List<VerdictEntry.Key> removals = new ArrayList<>();
            for (Map.Entry<Integer, List<VerdictEntry>> idRows : e.getValue().entrySet()) {
                List<VerdictEntry> now = ep == null ? List.of() : ep.rows.getOrDefault(idRows.getKey(), List.of());
                diff(idRows.getValue(), now, upserts, removals);
            }
            Boolean in = null;
            Boolean eg = null;
            boolean[] was = enforcedBefore.get(e.getKey());
            if (was != null) {
                boolean inNow = ep != null && !ep.enforcing().getOrDefault(Direction.INGRESS, List.of()).isEmpty();
                boolean egNow = ep != null && !ep.enforcing().getOrDefault(Direction.EGRESS, List.of()).isEmpty();
                if (was[0] != inNow || (ep == null && dropped.contains(e.getKey()))) in = inNow;
                if (was[1] != egNow || (ep == null && dropped.contains(e.getKey()))) eg = egNow;
            }
            upserts.sort(VerdictTable.ORDER);
            removals.sort(VerdictTable.KEY_ORDER);
            TableDelta d = new TableDelta(e.getKey(), upserts, removals, in, eg);
            if (!d.isEmpty()) tables.put(e.getKey(), d);
        }
        for (Map.Entry<String, boolean[]> e : enforcedBefore.entrySet()) {
            if (tables.containsKey(e.getKey()) || before.containsKey(e.getKey())) continue;
            EndpointPolicy ep = endpoints.apply(e.getKey());
            boolean inNow = ep != null && !ep.enforcing().getOrDefault(Direction.INGRESS, List.of()).isEmpty();
            boolean egNow = ep != null && !ep.enforcing().getOrDefault(Direction.EGRESS, List.of()).isEmpty();
            Boolean in = e.getValue()[0] != inNow ? inNow : null;
            Boolean eg = e.getValue()[1] != egNow ? egNow : null;
            if (in != null || eg != null) tables.put(e.getKey(), new TableDelta(e.getKey(), List.of(), List.of(), in, eg));
        }
        return new EngineDelta(tables, added, removed, rejected);
    }

    private static void diff(List<VerdictEntry> old, List<VerdictEntry> now, List<VerdictEntry> upserts,
                             List<VerdictEntry.Key> removals) {
        if (old.equals(now)) return;
        if (old.size() + now.size() <= 32) {
            // One identity's rows are a handful: compare directly rather than build maps.
            for (VerdictEntry v : now) {
                VerdictEntry prev = null;
                for (VerdictEntry o : old) if (sameKey(o, v)) prev = o;
                if (prev == null || !prev.verdict().equals(v.verdict())) upserts.add(v);
            }
            for (VerdictEntry o : old) {
                boolean kept = false;
                for (VerdictEntry v : now) kept |= sameKey(o, v);
                if (!kept) removals.add(o.key());
            }
            return;
        }
        Map<VerdictEntry.Key, VerdictEntry> o = new HashMap<>();
        for (VerdictEntry v : old) o.put(v.key(), v);
        Set<VerdictEntry.Key> seen = new HashSet<>();
        for (VerdictEntry v : now) {
            seen.add(v.key());
            VerdictEntry prev = o.get(v.key());
            if (prev == null || !prev.verdict().equals(v.verdict())) upserts.add(v);
        }
        for (VerdictEntry.Key k : o.keySet()) if (!seen.contains(k)) removals.add(k);
    }

    private static boolean sameKey(VerdictEntry a, VerdictEntry b) {
        return a.direction() == b.direction() && a.remoteId() == b.remoteId() && a.protocol() == b.protocol()
                && a.low() == b.low() && a.high() == b.high();
    }
}
