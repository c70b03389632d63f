package dev.ward.policy.compute;

import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.RuleRef;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * An endpoint's verdict table: the rows, and per direction whether default deny is on (and which rules turned it
 * on). {@link #lookup} is the datapath's algorithm, so tests and {@code wardctl policy trace} decide flows exactly
 * as the datapath will.
 */
public final class VerdictTable {
    /** Direction, then remote identity ("any" first), protocol and first port: the order tables are printed in. */
    public static final Comparator<VerdictEntry> ORDER =
            (a, b) -> compare(a.direction(), a.remoteId(), a.protocol(), a.low(), b.direction(), b.remoteId(), b.protocol(), b.low());

    public static final Comparator<VerdictEntry.Key> KEY_ORDER =
            (a, b) -> compare(a.direction(), a.remoteId(), a.protocol(), a.low(), b.direction(), b.remoteId(), b.protocol(), b.low());

    private static int compare(Direction d1, int id1, Protocol p1, int low1, Direction d2, int id2, Protocol p2, int low2) {
        int c = d1.compareTo(d2);
        if (c != 0) return c;
        // Identities are unsigned 32-bit values, and "any" (0) sorts first either way.
        c = Integer.compareUnsigned(id1, id2);
        if (c != 0) return c;
        c = p1.compareTo(p2);
        return c != 0 ? c : Integer.compare(low1, low2);
    }

    /** The outcome of a lookup: the verdict, and the row that gave it (null when the direction's default did). */
    public record Lookup(Verdict verdict, VerdictEntry entry) {
        public boolean byDefault() {
            return entry == null;
        }
    }

    private final String endpoint;
    private final Map<Direction, List<RuleRef>> enforcing;
    private final Map<Integer, List<VerdictEntry>> rows;
    private final List<ConflictIndex.Conflict> conflicts;

    VerdictTable(String endpoint, Map<Direction, List<RuleRef>> enforcing, Map<Integer, List<VerdictEntry>> rows,
                 List<ConflictIndex.Conflict> conflicts) {
        this.endpoint = endpoint;
        this.enforcing = new EnumMap<>(enforcing);
        this.rows = Map.copyOf(rows);
        this.conflicts = List.copyOf(conflicts);
    }

    public String endpoint() {
        return endpoint;
    }

    public boolean enforced(Direction d) {
        return !enforcing.getOrDefault(d, List.of()).isEmpty();
    }

    /** The rules that turned on default deny in {@code d}. */
    public List<RuleRef> enforcingRules(Direction d) {
        return enforcing.getOrDefault(d, List.of());
    }

    public List<String> conflicts() {
        return conflicts.stream().map(Object::toString).toList();
    }

    public List<VerdictEntry> entries() {
        List<VerdictEntry> out = new ArrayList<>();
        rows.values().forEach(out::addAll);
        out.sort(ORDER);
        return out;
    }

    public List<VerdictEntry> entriesFor(int remoteId) {
        return rows.getOrDefault(remoteId, List.of());
    }

    public int size() {
        int n = 0;
        for (List<VerdictEntry> l : rows.values()) n += l.size();
        return n;
    }

    public Lookup lookup(Direction d, int remoteId, Protocol protocol, int port) {
        VerdictEntry e = find(rows.get(remoteId), d, protocol, port);
        if (e == null) e = find(rows.get(IdentityNumbers.ANY), d, protocol, port);
        if (e != null) return new Lookup(e.verdict(), e);
        Verdict def = enforced(d) ? Verdict.deny(enforcingRules(d)) : Verdict.allow(List.of());
        return new Lookup(def, null);
    }

    private static VerdictEntry find(List<VerdictEntry> list, Direction d, Protocol p, int port) {
        if (list == null) return null;
        for (VerdictEntry e : list) {
            if (e.direction() == d && e.protocol() == p && e.low() <= port && port <= e.high()) return e;
        }
        return null;
    }

    /** Same rows and the same enforcement: what a full recomputation must reproduce. */
    public boolean sameAs(VerdictTable o) {
        return entries().equals(o.entries()) && enforced(Direction.INGRESS) == o.enforced(Direction.INGRESS)
                && enforced(Direction.EGRESS) == o.enforced(Direction.EGRESS);
    }
}
