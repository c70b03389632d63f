package dev.ward.l7proxy.parser;

import dev.ward.policy.model.RuleRef;

/**
 * Whether a request may pass, and which rule decided: the matching rule for an allow; for a deny the rule that
 * denied (null when no rule matched and the redirect's default deny applies).
 */
public record Decision(boolean allowed, RuleRef rule, Object matchedRule, String reason) {

    public static Decision allow(RuleRef rule, Object matched) {
        return new Decision(true, rule, matched, null);
    }

    public static Decision deny(RuleRef rule, String reason) {
        return new Decision(false, rule, null, reason);
    }
}
