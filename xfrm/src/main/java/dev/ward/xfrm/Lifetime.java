package dev.ward.xfrm;

/**
 * When the kernel expires an SA: soft limits send an expire notification so a new SA can be put in place,
 * hard limits remove the SA. {@link #NONE} (the kernel's XFRM_INF) means no limit; seconds count from when the
 * SA was added.
 */
public record Lifetime(long softBytes, long hardBytes, long softPackets, long hardPackets,
                       long softAddSeconds, long hardAddSeconds) {
    public static final long NONE = -1L;
    public static final Lifetime UNLIMITED = new Lifetime(NONE, NONE, NONE, NONE, 0, 0);

    public static Lifetime ofSeconds(long soft, long hard) {
        return new Lifetime(NONE, NONE, NONE, NONE, soft, hard);
    }

    public static Lifetime ofPackets(long soft, long hard) {
        return new Lifetime(NONE, NONE, soft, hard, 0, 0);
    }

    public static Lifetime ofBytes(long soft, long hard) {
        return new Lifetime(soft, hard, NONE, NONE, 0, 0);
    }
}
