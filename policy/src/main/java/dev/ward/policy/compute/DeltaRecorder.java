package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Direction;

import java.util.ArrayList;
import java.util.Arrays;
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

    private final Map<String, IntMap<List<VerdictEntry>>> before = new HashMap<>();
    private EndpointPolicy lastEndpoint;
    private IntMap<List<VerdictEntry>> lastRows;
    final Map<String, boolean[]> enforcedBefore = new HashMap<>();
    final List<Identity> added = new ArrayList<>();
    final List<Integer> removed = new ArrayList<>();
    final List<String> rejected = new ArrayList<>();
    final Set<String> dropped = new HashSet<>();

    /** Notes {@code id}'s rows in {@code ep} before a change to them. */
    void touch(EndpointPolicy ep, int id) {
        rebuilt(ep, id, ep.rows.getOrDefault(id, List.of()));
    }

    /** {@code id}'s rows in {@code ep} were rebuilt; {@code previous} were its rows just before. */
    void rebuilt(EndpointPolicy ep, int id, List<VerdictEntry> previous) {
        // Rebuilds come in runs for one endpoint; keep its map at hand.
        if (ep != lastEndpoint) {
            lastRows = before.computeIfAbsent(ep.name(), k -> new IntMap<>());
            lastEndpoint = ep;
            touchEnforcement(ep);
        }
        if (!lastRows.containsKey(id)) lastRows.put(id, previous);
    }

    /** A new endpoint: every row it has now is new. */
    void fresh(EndpointPolicy ep) {
        IntMap<List<VerdictEntry>> m = before.computeIfAbsent(ep.name(), k -> new IntMap<>());
        for (int id : ep.rows.keys()) if (!m.containsKey(id)) m.put(id, List.of());
    }

    void touchAll(EndpointPolicy ep) {
        for (int id : ep.rows.keys()) touch(ep, id);
        touchEnforcement(ep);
    }

    void touchEnforcement(EndpointPolicy ep) {
        enforcedBefore.computeIfAbsent(ep.name(), k -> new boolean[] {
                !ep.enforcing().getOrDefault(Direction.INGRESS, List.of()).isEmpty(),
                !ep.enforcing().getOrDefault(Direction.EGRESS, List.of()).isEmpty()});
    }

    EngineDelta finish() {
        Map<String, TableDelta> tables = new TreeMap<>();
        for (Map.Entry<String, IntMap<List<VerdictEntry>>> e : new TreeMap<>(before).entrySet()) {
            EndpointPolicy ep = endpoints.apply(e.getKey());
            // Identities in table order and each identity's rows in table order, one list per direction: the
            // upserts and removals come out sorted, without sorting thousands of rows after a broad rule change.
            IntMap<List<VerdictEntry>> rowsBefore = e.getValue();
            int directions = Direction.values().length;
            List<List<VerdictEntry>> upsertsBy = new ArrayList<>(directions);
            List<List<VerdictEntry.Key>> removalsBy = new ArrayList<>(directions);
            for (int d = 0; d < directions; d++) {
                upsertsBy.add(new ArrayList<>());
                removalsBy.add(new ArrayList<>());
            }
            for (int id : tableOrder(rowsBefore.keys())) {
                List<VerdictEntry> now = ep == null ? List.of() : ep.rows.getOrDefault(id, List.of());
                diff(rowsBefore.get(id), now, upsertsBy, removalsBy);
            }
            List<VerdictEntry> upserts = new ArrayList<>();
            List<VerdictEntry.Key> removals = new ArrayList<>();
            for (int d = 0; d < directions; d++) {
                upserts.addAll(upsertsBy.get(d));
                removals.addAll(removalsBy.get(d));
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
            // Already in order; sorting checks that for the price of one comparison a row.
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

    /** Remote identities in the order tables sort them: unsigned, so "any" (0) first. */
    private static int[] tableOrder(int[] ids) {
        for (int i = 0; i < ids.length; i++) ids[i] ^= Integer.MIN_VALUE;
        Arrays.sort(ids);
        for (int i = 0; i < ids.length; i++) ids[i] ^= Integer.MIN_VALUE;
        return ids;
    }

    /**
     * The rows to write and the keys to delete, per direction, to turn one identity's rows {@code old} into
     * {@code now}. Both lists are in table order (see {@link EndpointPolicy#rows}), so one merging walk pairs them.
     */
    private static void diff(List<VerdictEntry> old, List<VerdictEntry> now, List<List<VerdictEntry>> upserts,
                             List<List<VerdictEntry.Key>> removals) {
        if (old == now) return;
        int i = 0;
        int j = 0;
        while (i < old.size() || j < now.size()) {
            VerdictEntry o = i < old.size() ? old.get(i) : null;
            VerdictEntry v = j < now.size() ? now.get(j) : null;
            int c = o == null ? 1 : v == null ? -1 : VerdictTable.ORDER.compare(o, v);
            if (c == 0 && o.high() == v.high()) {
                if (o.verdict() != v.verdict() && !o.verdict().equals(v.verdict())) upserts.get(v.direction().ordinal()).add(v);
                i++;
                j++;
            } else if (c < 0 || (c == 0 && o.high() < v.high())) {
                removals.get(o.direction().ordinal()).add(o.key());
                i++;
            } else {
                upserts.get(v.direction().ordinal()).add(v);
                j++;
            }
        }
    }
}
