package dev.ward.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One decoded netlink message: the header fields and the payload after the header (a little-endian view that
 * starts at position 0; each read of {@link #payload()} gets its own view).
 */
public record NetlinkMessage(int type, int flags, int seq, int portId, ByteBuffer body) {
    public ByteBuffer payload() {
        return body.duplicate().order(ByteOrder.nativeOrder());
    }

    public int payloadLength() {
        return body.remaining();
    }

    public boolean isError() {
        return type == NetlinkFlags.NLMSG_ERROR;
    }

    public boolean isDone() {
        return type == NetlinkFlags.NLMSG_DONE;
    }
}
