package dev.ward.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds a message payload: fixed structs written field by field, then netlink attributes (type-length-value,
 * each padded to 4 bytes). Multi-byte fields are in host order, as the kernel's structs are; the few
 * big-endian fields (ports, SPIs, addresses) are written with {@link #putBigEndianShort} and raw bytes.
 */
public final class PayloadWriter {
    public static final int NLA_F_NESTED = 0x8000;
    private static final int NLA_HEADER = 4;

    private ByteBuffer buf = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());

    public int position() {
        return buf.position();
    }

    private void ensure(int n) {
        if (buf.remaining() >= n) return;
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n)).order(ByteOrder.nativeOrder());
        buf.flip();
        bigger.put(buf);
        buf = bigger;
    }

    public PayloadWriter putU8(int v) {
        ensure(1);
        buf.put((byte) v);
        return this;
    }

    public PayloadWriter putU16(int v) {
        ensure(2);
        buf.putShort((short) v);
        return this;
    }

    public PayloadWriter putBigEndianShort(int v) {
        ensure(2);
        buf.put((byte) (v >>> 8)).put((byte) v);
        return this;
    }

    public PayloadWriter putU32(int v) {
        ensure(4);
        buf.putInt(v);
        return this;
    }

    public PayloadWriter putBigEndianInt(int v) {
        ensure(4);
        buf.put((byte) (v >>> 24)).put((byte) (v >>> 16)).put((byte) (v >>> 8)).put((byte) v);
        return this;
    }

    public PayloadWriter putU64(long v) {
        ensure(8);
        buf.putLong(v);
        return this;
    }

    public PayloadWriter putBytes(byte[] b) {
        ensure(b.length);
        buf.put(b);
        return this;
    }

    /** Writes {@code b} into a fixed-size field of {@code size} bytes, zero-filled (C char arrays, addresses). */
    public PayloadWriter putFixed(byte[] b, int size) {
        if (b.length > size) throw new IllegalArgumentException(b.length + " bytes do not fit a " + size + "-byte field");
        putBytes(b);
        return zeros(size - b.length);
    }

    public PayloadWriter zeros(int n) {
        ensure(n);
        // The buffer only ever grows into fresh zeroed memory and is never rewound, so skipping writes zeros.
        buf.position(buf.position() + n);
        return this;
    }

    public PayloadWriter alignTo4() {
        return zeros(NetlinkFlags.align(buf.position()) - buf.position());
    }

    /** Overwrites a 32-bit field already written, e.g. a length known only at the end. */
    public PayloadWriter patchU32(int at, int v) {
        buf.putInt(at, v);
        return this;
    }

    public PayloadWriter attribute(int type, byte[] value) {
        alignTo4();
        putU16(NLA_HEADER + value.length).putU16(type).putBytes(value);
        return alignTo4();
    }

    public PayloadWriter attributeU8(int type, int v) {
        return attribute(type, new byte[] {(byte) v});
    }

    public PayloadWriter attributeU32(int type, int v) {
        alignTo4();
        putU16(NLA_HEADER + 4).putU16(type).putU32(v);
        return this;
    }

    /** A NUL-terminated string, as the kernel expects for names. */
    public PayloadWriter attributeString(int type, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return attribute(type, Arrays.copyOf(b, b.length + 1));
    }

    /** Starts a nested attribute; pass the returned mark to {@link #endNested}. */
    public int beginNested(int type) {
        return beginAttribute(type | NLA_F_NESTED);
    }

    public PayloadWriter endNested(int mark) {
        return endAttribute(mark);
    }

    /** Starts an attribute whose value the caller writes field by field; pass the mark to {@link #endAttribute}. */
    public int beginAttribute(int type) {
        alignTo4();
        int mark = buf.position();
        putU16(0).putU16(type);
        return mark;
    }

    /** Sets the length of the attribute begun at {@code mark} to what was written since, and pads it. */
    public PayloadWriter endAttribute(int mark) {
        buf.putShort(mark, (short) (buf.position() - mark));
        return alignTo4();
    }

    public byte[] toBytes() {
        return Arrays.copyOf(buf.array(), buf.position());
    }
}
