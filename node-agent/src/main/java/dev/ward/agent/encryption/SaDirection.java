package dev.ward.agent.encryption;

/** Whether an SA carries traffic into this node or out of it. */
public enum SaDirection {
    INBOUND,
    OUTBOUND
}
