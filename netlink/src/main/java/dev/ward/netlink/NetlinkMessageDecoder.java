package dev.ward.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits one received datagram into messages. A datagram always holds whole messages, so any length that does
 * not add up is rejected instead of being read as garbage.
 */
public final class NetlinkMessageDecoder {
    private NetlinkMessageDecoder() {}

    public static List<NetlinkMessage> decode(ByteBuffer datagram) {
        ByteBuffer in = datagram.duplicate().order(ByteOrder.nativeOrder());
        List<NetlinkMessage> out = new ArrayList<>();
        while (in.hasRemaining()) {
            int start = in.position();
            if (in.remaining() < NetlinkFlags.HEADER_LENGTH) {
                throw new MalformedNetlinkMessageException("netlink header truncated: " + in.remaining()
                        + " bytes at offset " + start + ", need " + NetlinkFlags.HEADER_LENGTH);
            }
            int len = in.getInt(start);
            if (len < NetlinkFlags.HEADER_LENGTH || len > in.remaining()) {
                throw new MalformedNetlinkMessageException("netlink message at offset " + start + " claims "
                        + len + " bytes, " + in.remaining() + " available");
            }
            int type = Short.toUnsignedInt(in.getShort(start + 4));
            int flags = Short.toUnsignedInt(in.getShort(start + 6));
            int seq = in.getInt(start + 8);
            int port = in.getInt(start + 12);
            ByteBuffer body = in.slice(start + NetlinkFlags.HEADER_LENGTH, len - NetlinkFlags.HEADER_LENGTH)
                    .order(ByteOrder.nativeOrder());
            out.add(new NetlinkMessage(type, flags, seq, port, body));
            in.position(Math.min(in.limit(), start + NetlinkFlags.align(len)));
        }
        return out;
    }
}
