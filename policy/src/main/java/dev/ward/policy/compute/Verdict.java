package dev.ward.policy.compute;

import dev.ward.policy.model.RuleRef;

import java.util.List;

/**
 * The decision for a set of flows: allow, deny, or redirect to an L7 proxy of {@code l7Type} that admits only
 * requests matching one of {@code grants}. {@code rules} names the rule sections that decided it (the denies for a
 * deny, the allows for an allow). {@code conflict} marks a deny caused by L7 rules of different types on one port.
 */
public record Verdict(Kind kind, String l7Type, List<L7Grant> grants, List<RuleRef> rules, boolean conflict) {
    public enum Kind { ALLOW, DENY, REDIRECT }

    public Verdict {
        grants = List.copyOf(grants);
        rules = List.copyOf(rules);
    }

    static Verdict allow(List<RuleRef> rules) {
        return new Verdict(Kind.ALLOW, null, List.of(), rules, false);
    }

    static Verdict deny(List<RuleRef> rules) {
        return new Verdict(Kind.DENY, null, List.of(), rules, false);
    }

    public boolean allowsL4() {
        return kind != Kind.DENY;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALLOW -> "allow";
            case DENY -> conflict ? "deny (conflicting L7 rule types)" : "deny";
            case REDIRECT -> "redirect:" + l7Type + " " + grants.stream().map(g -> g.rule().toString()).toList();
        };
    }
}
