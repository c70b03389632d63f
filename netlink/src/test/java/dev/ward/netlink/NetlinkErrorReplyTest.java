package dev.ward.netlink;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetlinkErrorReplyTest {
    /** Bytes as the 6.x kernel sends them for a refused XFRM_MSG_NEWSA with NETLINK_CAP_ACK and EXT_ACK. */
    private static final byte[] CAPPED_WITH_REASON = {
            // nlmsghdr: len 76, type NLMSG_ERROR, flags CAPPED|ACK_TLVS, seq 7, pid 0
            76, 0, 0, 0, 2, 0, 0, 3, 7, 0, 0, 0, 0, 0, 0, 0,
            // error -38 (ENOSYS)
            -38, -1, -1, -1,
            // echoed header of the request: len 300, type 0x10, flags 5, seq 7, pid 0
            44, 1, 0, 0, 16, 0, 5, 0, 7, 0, 0, 0, 0, 0, 0, 0,
            // NLMSGERR_ATTR_MSG, 38 bytes: "Requested AEAD algorithm not found\0" (34 chars + NUL)
            39, 0, 1, 0, 'R', 'e', 'q', 'u', 'e', 's', 't', 'e', 'd', ' ', 'A', 'E', 'A', 'D', ' ', 'a', 'l', 'g', 'o',
            'r', 'i', 't', 'h', 'm', ' ', 'n', 'o', 't', ' ', 'f', 'o', 'u', 'n', 'd', 0, 0};

    @Test
    void decodesErrnoAndKernelReason() {
        NetlinkMessage m = NetlinkMessageDecoder.decode(ByteBuffer.wrap(CAPPED_WITH_REASON)).getFirst();
        NetlinkErrorReply r = NetlinkErrorReply.decode(m);
        assertEquals(Errno.ENOSYS, r.errno());
        assertEquals("Requested AEAD algorithm not found", r.kernelMessage());
        NetlinkException e = new NetlinkException("SA esp spi 0x00001000 dst 10.0.0.2", r.errno(), r.kernelMessage());
        assertEquals("SA esp spi 0x00001000 dst 10.0.0.2: Requested AEAD algorithm not found (ENOSYS)", e.getMessage());
    }

    @Test
    void ackHasErrnoZeroAndNoReason() {
        byte[] ack = new byte[36];
        ByteBuffer b = ByteBuffer.wrap(ack).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(0, 36).putShort(4, (short) 2).putShort(6, (short) NetlinkFlags.ACK_CAPPED).putInt(8, 9);
        NetlinkErrorReply r = NetlinkErrorReply.decode(NetlinkMessageDecoder.decode(b).getFirst());
        assertTrue(r.isAck());
        assertNull(r.kernelMessage());
    }

    @Test
    void truncatedErrorIsRejected() {
        byte[] cut = java.util.Arrays.copyOf(CAPPED_WITH_REASON, 30);
        ByteBuffer b = ByteBuffer.wrap(cut).order(java.nio.ByteOrder.nativeOrder()).putInt(0, 30);
        NetlinkMessage m = NetlinkMessageDecoder.decode(b).getFirst();
        assertThrows(MalformedNetlinkMessageException.class, () -> NetlinkErrorReply.decode(m));
    }

    @Test
    void errnoWithoutReasonUsesErrnoText() {
        NetlinkException e = new NetlinkException("policy out 10.0.0.0/24", Errno.EEXIST, null);
        assertEquals("policy out 10.0.0.0/24: File exists (EEXIST)", e.getMessage());
        assertEquals("EEXIST", e.errnoName());
    }
}
