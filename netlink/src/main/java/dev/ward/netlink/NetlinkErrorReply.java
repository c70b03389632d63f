package dev.ward.netlink;

import java.nio.ByteBuffer;

/**
 * An NLMSG_ERROR message decoded: errno 0 is an ACK. With extended ACKs the kernel adds a human-readable
 * reason ("Requested AEAD algorithm not found"), which is the most useful thing to show an operator.
 */
public record NetlinkErrorReply(int errno, String kernelMessage) {
    private static final int NLMSGERR_ATTR_MSG = 1;

    public boolean isAck() {
        return errno == 0;
    }

    public static NetlinkErrorReply decode(NetlinkMessage m) {
        ByteBuffer p = m.payload();
        if (p.remaining() < 4 + NetlinkFlags.HEADER_LENGTH) {
            throw new MalformedNetlinkMessageException("NLMSG_ERROR of " + p.remaining() + " bytes, need "
                    + (4 + NetlinkFlags.HEADER_LENGTH));
        }
        int errno = -p.getInt(0);
        String reason = null;
        if ((m.flags() & NetlinkFlags.ACK_TLVS) != 0) {
            int echoed = (m.flags() & NetlinkFlags.ACK_CAPPED) != 0 ? NetlinkFlags.HEADER_LENGTH : p.getInt(4);
            int tlvStart = 4 + NetlinkFlags.align(echoed);
            if (tlvStart <= p.remaining()) {
                reason = Attributes.parse(p.position(tlvStart)).string(NLMSGERR_ATTR_MSG);
            }
        }
        return new NetlinkErrorReply(errno, reason);
    }
}
