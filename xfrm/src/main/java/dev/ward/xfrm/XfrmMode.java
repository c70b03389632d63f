package dev.ward.xfrm;

/** How ESP wraps a packet: transport (between the two hosts themselves) or tunnel (whole inner packet). */
public enum XfrmMode {
    TRANSPORT(0), TUNNEL(1);

    final int code;

    XfrmMode(int code) {
        this.code = code;
    }

    static XfrmMode of(int code) {
        for (XfrmMode m : values()) if (m.code == code) return m;
        throw new IllegalArgumentException("unsupported xfrm mode " + code);
    }
}
