package dev.ward.policy.model;

/** Traffic direction as seen from the local endpoint a rule selects. */
public enum Direction {
    INGRESS, EGRESS;

    public String lower() {
        return name().toLowerCase();
    }
}
