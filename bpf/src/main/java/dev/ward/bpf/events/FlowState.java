package dev.ward.bpf.events;

/** How a packet related to conntrack when the datapath judged it (the {@code WARD_EVENT_*} codes). */
public enum FlowState {
    /** First packet of a flow. */
    NEW,
    /** A later packet of a flow, in the direction that opened it (judged again by policy). */
    ESTABLISHED,
    REPLY,
    /** An ICMP error quoting a packet of a tracked flow. */
    RELATED,
    /** Not tracked: ICMP messages other than echo and errors, judged one by one. */
    UNTRACKED;

    public static FlowState of(int code) {
        if (code < 0 || code >= values().length) throw new IllegalArgumentException("unknown flow state code " + code);
        return values()[code];
    }
}
