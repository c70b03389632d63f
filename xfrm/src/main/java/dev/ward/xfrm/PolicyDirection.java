package dev.ward.xfrm;

/** Which traffic a policy governs: received for this host, sent by it, or forwarded through it. */
public enum PolicyDirection {
    IN(0), OUT(1), FWD(2);

    final int code;

    PolicyDirection(int code) {
        this.code = code;
    }

    static PolicyDirection of(int code) {
        for (PolicyDirection d : values()) if (d.code == code) return d;
        throw new IllegalArgumentException("unknown policy direction " + code);
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
