package dev.ward.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes requests, each with its header and sequence number, back to back into one datagram. */
public final class NetlinkRequestEncoder {
    private NetlinkRequestEncoder() {}

    public static void encode(ByteBuffer out, NetlinkRequest request, int flags, int seq) {
        ByteBuffer o = out.order(ByteOrder.nativeOrder());
        int start = o.position();
        o.putInt(NetlinkFlags.HEADER_LENGTH + request.payload().length);
        o.putShort((short) request.type());
        o.putShort((short) flags);
        o.putInt(seq);
        o.putInt(0);
        o.put(request.payload());
        int end = start + request.encodedLength();
        while (o.position() < end) o.put((byte) 0);
    }
}
