package dev.ward.policy.compute;

import dev.ward.policy.model.Action;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.RuleRef;

/**
 * What one rule section says about one endpoint, flattened: for peers in {@code selection}, on protocol
 * {@code protocol} and ports (or ICMP types) {@code low..high}, allow (possibly through an L7 proxy) or deny.
 */
record Contribution(Direction direction, Action action, Selection selection, Protocol protocol, int low, int high,
                    L7Rules l7, RuleRef ref) {

    boolean covers(int port) {
        return port >= low && port <= high;
    }
}
