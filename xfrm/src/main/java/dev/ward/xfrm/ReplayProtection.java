package dev.ward.xfrm;

/**
 * Anti-replay: the window of sequence numbers the receiver accepts out of order, and whether 64-bit extended
 * sequence numbers are used (needed for long-lived, fast SAs: 32 bits wrap at 4 billion packets).
 */
public record ReplayProtection(int window, boolean extendedSequenceNumbers) {
    /** The largest window the kernel's ESN bitmap allows (XFRMA_REPLAY_ESN_MAX bytes of bitmap). */
    public static final int MAX_WINDOW = 4096 * 8;
    public static final ReplayProtection NONE = new ReplayProtection(0, false);

    public ReplayProtection {
        if (window < 0 || window > MAX_WINDOW) throw new IllegalArgumentException("replay window " + window + " out of range 0.." + MAX_WINDOW);
    }

    public static ReplayProtection esn(int window) {
        return new ReplayProtection(window, true);
    }

    public static ReplayProtection window(int window) {
        return new ReplayProtection(window, false);
    }

    /** The kernel needs the ESN form for ESN and for windows beyond the legacy 32-bit bitmap. */
    boolean needsEsnAttribute() {
        return extendedSequenceNumbers || window > 32;
    }
}
