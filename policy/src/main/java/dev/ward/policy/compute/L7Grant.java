package dev.ward.policy.compute;

import dev.ward.policy.model.RuleRef;

/** One L7 rule element (an HTTP rule, a Kafka rule, ...) in a merged redirect, with the rule section it came from. */
public record L7Grant(Object rule, RuleRef ref) implements Comparable<L7Grant> {
    @Override
    public int compareTo(L7Grant o) {
        int c = ref.compareTo(o.ref);
        return c != 0 ? c : rule.toString().compareTo(o.rule.toString());
    }
}
