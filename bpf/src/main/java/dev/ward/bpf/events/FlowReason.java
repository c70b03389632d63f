package dev.ward.bpf.events;

/** Why the datapath forwarded or dropped a packet (the {@code WARD_REASON_*} codes). */
public enum FlowReason {
    FORWARDED(0, "forwarded"),
    POLICY_DENY(1, "denied by a deny rule"),
    POLICY_DEFAULT_DENY(2, "no rule allows it (default deny)"),
    ENDPOINT_LOCKED(3, "endpoint failed closed"),
    UNKNOWN_ENDPOINT(4, "veth of no known endpoint"),
    MALFORMED(5, "malformed packet"),
    PROXY_UNAVAILABLE(6, "redirect to a proxy that is not listening"),
    FRAGMENT_UNKNOWN(7, "fragment of a datagram whose first fragment was not seen");

    /** Slots per direction in the counters map (WARD_REASON_COUNT). */
    public static final int SLOTS = 16;

    private final int code;
    private final String description;

    FlowReason(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    public static FlowReason of(int code) {
        for (FlowReason r : values()) if (r.code == code) return r;
        throw new IllegalArgumentException("unknown datapath reason code " + code);
    }
}
