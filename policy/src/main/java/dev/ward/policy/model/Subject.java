package dev.ward.policy.model;

import dev.ward.policy.label.LabelSelector;

/**
 * Which local endpoints a rule applies to: pods through {@code endpointSelector} (already scoped to the policy's
 * namespace) or hosts through {@code nodeSelector}.
 */
public record Subject(LabelSelector selector, boolean nodes) {
    @Override
    public String toString() {
        return (nodes ? "nodes" : "endpoints") + selector;
    }
}
