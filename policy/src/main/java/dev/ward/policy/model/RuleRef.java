package dev.ward.policy.model;

/**
 * Names one rule section inside a policy, e.g. {@code CiliumNetworkPolicy/default/rule1 spec.ingress[0]}: what
 * {@code wardctl policy trace} prints as the rule that decided a verdict.
 */
public record RuleRef(PolicyKey policy, String path) implements Comparable<RuleRef> {
    @Override
    public int compareTo(RuleRef o) {
        int c = policy.compareTo(o.policy);
        return c != 0 ? c : path.compareTo(o.path);
    }

    @Override
    public String toString() {
        return policy + " " + path;
    }
}
