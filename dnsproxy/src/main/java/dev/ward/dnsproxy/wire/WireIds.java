package dev.ward.dnsproxy.wire;

/** The 16-bit message id in the first two bytes of every DNS message. */
public final class WireIds {
    private WireIds() {}

    public static int id(byte[] wire) {
        return ((wire[0] & 0xFF) << 8) | (wire[1] & 0xFF);
    }

    /** A copy of {@code wire} carrying {@code id}. */
    public static byte[] withId(byte[] wire, int id) {
        byte[] out = wire.clone();
        out[0] = (byte) (id >>> 8);
        out[1] = (byte) id;
        return out;
    }
}
