package dev.ward.policy.trace;

import java.util.List;

/**
 * One enforcement point a traced flow crosses: the source endpoint's egress or the destination endpoint's ingress.
 * {@code rules} names the rules that decided (or, for a default deny, the rules that turned default deny on).
 */
public record TraceStep(String direction, String endpoint, String remoteIdentity, String decision, boolean byDefault,
                        List<String> rules, String l7Type, Boolean l7Allowed, List<String> l7MatchedRules,
                        String explanation) {
    public TraceStep {
        rules = List.copyOf(rules);
        l7MatchedRules = l7MatchedRules == null ? List.of() : List.copyOf(l7MatchedRules);
    }

    public boolean allowed() {
        return !decision.equals("denied");
    }
}
