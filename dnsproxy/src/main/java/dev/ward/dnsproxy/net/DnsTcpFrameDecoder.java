package dev.ward.dnsproxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;

import java.util.List;

/**
 * DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): each message is preceded by its length in two bytes. Emits each
 * message as a byte array; a zero length or one above {@code maxFrame} is a corrupt stream (the connection is
 * closed: there is no way to find the next frame boundary in it).
 */
public final class DnsTcpFrameDecoder extends ByteToMessageDecoder {
    private final int maxFrame;

    public DnsTcpFrameDecoder(int maxFrame) {
        if (maxFrame < 12 || maxFrame > 65535) throw new IllegalArgumentException("maxFrame must be 12..65535: " + maxFrame);
        this.maxFrame = maxFrame;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 2) {
            int len = in.getUnsignedShort(in.readerIndex());
            if (len == 0 || len > maxFrame) {
                in.skipBytes(in.readableBytes());
                throw new CorruptedFrameException("DNS over TCP frame of " + len + " bytes (accepted: 1.." + maxFrame + ")");
            }
            if (in.readableBytes() < 2 + len) return;
            in.skipBytes(2);
            byte[] frame = new byte[len];
            in.readBytes(frame);
            out.add(frame);
        }
    }

    /** A message with its two-byte length in front, for writing to a TCP channel. */
    public static ByteBuf frame(io.netty.buffer.ByteBufAllocator alloc, byte[] message) {
        if (message.length > 65535) throw new IllegalArgumentException("a DNS message over TCP is at most 65535 bytes: " + message.length);
        ByteBuf b = alloc.buffer(2 + message.length);
        b.writeShort(message.length);
        b.writeBytes(message);
        return b;
    }
}
