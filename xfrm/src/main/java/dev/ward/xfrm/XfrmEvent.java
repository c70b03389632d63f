package dev.ward.xfrm;

/** A notification the kernel multicasts about xfrm state. */
public sealed interface XfrmEvent {
    /**
     * An SA reached a lifetime limit: soft means "replace me soon", hard means the kernel removed it. The kernel
     * sends the SA's identity and counters, not its algorithm or keys.
     */
    record SaExpired(SaId id, java.net.InetAddress source, int reqid, SaCounters counters, boolean hard) implements XfrmEvent {}

    /** A policy reached a lifetime limit. */
    record PolicyExpired(InstalledPolicy policy, boolean hard) implements XfrmEvent {}

    /** Outbound traffic matched a policy but no SA exists for its template: a key manager should create one. */
    record Acquire(Selector selector, InstalledPolicy policy) implements XfrmEvent {}
}
