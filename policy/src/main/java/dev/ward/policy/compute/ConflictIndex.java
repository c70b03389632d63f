package dev.ward.policy.compute;

import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.RuleRef;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Ports of one endpoint where rules ask for L7 proxies of different types. One port is served by one proxy, so
 * such a port cannot be honoured as written: flows that only an L7 rule would admit there are denied, and the
 * conflict is reported with the rules involved.
 */
final class ConflictIndex {
    /** A port range of one direction and protocol where L7 rule types clash. */
    public record Conflict(Direction direction, Protocol protocol, int low, int high, Set<String> types, Set<RuleRef> rules) {
        @Override
        public String toString() {
            return direction.lower() + " " + protocol + " " + (low == high ? String.valueOf(low) : low + "-" + high)
                    + ": L7 rule types " + types + " from " + rules;
        }
    }

    static final ConflictIndex NONE = new ConflictIndex(List.of());

    private final List<Conflict> conflicts;

    private ConflictIndex(List<Conflict> conflicts) {
        this.conflicts = conflicts;
    }

    static ConflictIndex of(List<Contribution> contributions) {
        List<Contribution> l7 = new ArrayList<>();
        for (Contribution c : contributions) if (c.l7() != null) l7.add(c);
        List<Conflict> out = new ArrayList<>();
        for (int i = 0; i < l7.size(); i++) {
            for (int j = i + 1; j < l7.size(); j++) {
                Contribution a = l7.get(i);
                Contribution b = l7.get(j);
                if (a.direction() != b.direction() || a.protocol() != b.protocol()) continue;
                if (a.l7().type().equals(b.l7().type())) continue;
                int low = Math.max(a.low(), b.low());
                int high = Math.min(a.high(), b.high());
                if (low > high) continue;
                out.add(new Conflict(a.direction(), a.protocol(), low, high,
                        new TreeSet<>(List.of(a.l7().type(), b.l7().type())), new TreeSet<>(List.of(a.ref(), b.ref()))));
            }
        }
        return out.isEmpty() ? NONE : new ConflictIndex(List.copyOf(out));
    }

    boolean conflicts(Direction d, Protocol p, int low, int high) {
        for (Conflict c : conflicts) {
            if (c.direction() == d && c.protocol() == p && c.low() <= high && low <= c.high()) return true;
        }
        return false;
    }

    List<Conflict> all() {
        return conflicts;
    }
}
