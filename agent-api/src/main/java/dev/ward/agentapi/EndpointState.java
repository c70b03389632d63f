package dev.ward.agentapi;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where an endpoint is in its life on the node. */
public enum EndpointState {
    /** Known to the registry; its identity or its datapath programming is not done yet. Its traffic is dropped. */
    REGISTERING,
    /** Its identity is allocated and the datapath enforces its full policy table. */
    READY,
    /** Its identity or datapath programming failed; it stays default-deny until the cause is repaired. */
    FAILED,
    /**
     * In the datapath's maps but not in the agent's registry (left by an earlier agent, or written behind the
     * agent's back): only {@code wardctl endpoint list} shows it; the next reconcile detaches it.
     */
    UNMANAGED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
