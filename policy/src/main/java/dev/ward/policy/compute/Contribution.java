package dev.ward.policy.compute;

import dev.ward.policy.model.Action;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.RuleRef;

import java.util.Objects;

/**
 * What one rule section says about one endpoint, flattened: for peers in {@code selection}, on protocol
 * {@code protocol} and ports (or ICMP types) {@code low..high}, allow (possibly through an L7 proxy) or deny.
 * Value semantics with the hash computed once: every recompilation compares an endpoint's old and new
 * contributions as sets.
 */
final class Contribution {
    private final Direction direction;
    private final Action action;
    private final Selection selection;
    private final Protocol protocol;
    private final int low;
    private final int high;
    private final L7Rules l7;
    private final RuleRef ref;
    private final int hash;

    Contribution(Direction direction, Action action, Selection selection, Protocol protocol, int low, int high,
                 L7Rules l7, RuleRef ref) {
        this.direction = direction;
        this.action = action;
        this.selection = selection;
        this.protocol = protocol;
        this.low = low;
        this.high = high;
        this.l7 = l7;
        this.ref = ref;
        this.hash = Objects.hash(direction, action, selection, protocol, low, high, l7, ref);
    }

    Direction direction() {
        return direction;
    }

    Action action() {
        return action;
    }

    Selection selection() {
        return selection;
    }

    Protocol protocol() {
        return protocol;
    }

    int low() {
        return low;
    }

    int high() {
        return high;
    }

    L7Rules l7() {
        return l7;
    }

    RuleRef ref() {
        return ref;
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof Contribution c && hash == c.hash && low == c.low && high == c.high
                && direction == c.direction && action == c.action && protocol == c.protocol
                && selection.equals(c.selection) && Objects.equals(l7, c.l7) && ref.equals(c.ref);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return direction.lower() + " " + action + " " + selection + " " + protocol + " " + low + "-" + high
                + (l7 == null ? "" : " " + l7.type()) + " (" + ref + ")";
    }
}
