package dev.ward.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A kernel stand-in that answers like netlink_rcv_skb does: each message is handled in order; an error reply
 * (capped, with an extended-ACK text) for a failure, an ACK only when asked. Dumps are answered by a script.
 */
class ScriptedKernel implements NetlinkTransport {
    final List<List<NetlinkMessage>> sent = new ArrayList<>();
    final Deque<ByteBuffer> replies = new ArrayDeque<>();
    private final ToIntFunction<NetlinkMessage> errnoFor;
    private final Function<NetlinkMessage, List<ByteBuffer>> dumpFor;
    private final int maxSendBytes;

    ScriptedKernel(ToIntFunction<NetlinkMessage> errnoFor, Function<NetlinkMessage, List<ByteBuffer>> dumpFor, int maxSendBytes) {
        this.errnoFor = errnoFor;
        this.dumpFor = dumpFor;
        this.maxSendBytes = maxSendBytes;
    }

    @Override
    public void send(ByteBuffer datagram) {
        if (datagram.remaining() > maxSendBytes) throw new AssertionError("datagram of " + datagram.remaining() + " bytes");
        List<NetlinkMessage> msgs = NetlinkMessageDecoder.decode(datagram);
        sent.add(msgs);
        for (NetlinkMessage m : msgs) {
            if ((m.flags() & NetlinkFlags.DUMP) == NetlinkFlags.DUMP) {
                replies.addAll(dumpFor.apply(m));
                continue;
            }
            int errno = errnoFor.applyAsInt(m);
            if (errno != 0 || (m.flags() & NetlinkFlags.ACK) != 0) replies.add(errorReply(m, errno, errno == 0 ? null : "scripted refusal"));
        }
    }

    static ByteBuffer errorReply(NetlinkMessage request, int errno, String reason) {
        PayloadWriter w = new PayloadWriter();
        w.putU32(-errno);
        w.putU32(NetlinkFlags.HEADER_LENGTH + request.payloadLength()).putU16(request.type()).putU16(request.flags())
                .putU32(request.seq()).putU32(0);
        if (reason != null) w.attributeString(1, reason);
        int flags = NetlinkFlags.ACK_CAPPED | (reason != null ? NetlinkFlags.ACK_TLVS : 0);
        return message(NetlinkFlags.NLMSG_ERROR, flags, request.seq(), w.toBytes());
    }

    static ByteBuffer message(int type, int flags, int seq, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(NetlinkFlags.align(16 + payload.length)).order(ByteOrder.nativeOrder());
        NetlinkRequestEncoder.encode(b, new NetlinkRequest(type, 0, payload, "reply"), flags, seq);
        return b.flip();
    }

    static ByteBuffer concat(ByteBuffer... parts) {
        int n = 0;
        for (ByteBuffer p : parts) n += p.remaining();
        ByteBuffer b = ByteBuffer.allocate(n);
        for (ByteBuffer p : parts) b.put(p.duplicate());
        return b.flip();
    }

    @Override
    public ByteBuffer receive() {
        if (replies.isEmpty()) throw new NetlinkTimeoutException("scripted kernel has nothing more to say");
        return replies.poll();
    }

    @Override
    public int maxSendBytes() {
        return maxSendBytes;
    }

    @Override
    public void close() {}
}
