package dev.ward.policy.model;

import java.util.List;

/** A parsed, valid policy object and the warnings about how it was read. */
public record Policy(PolicyKey key, List<Rule> rules, List<String> warnings) {
    public Policy {
        rules = List.copyOf(rules);
        warnings = List.copyOf(warnings);
    }
}
