package dev.ward.dnsproxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DNS-over-TCP framing through EmbeddedChannel, with the stream split at every byte. */
class DnsTcpFrameDecoderTest {
    static final List<byte[]> MESSAGES = List.of(bytes(12, 1), bytes(300, 2), bytes(12, 3), bytes(4096, 4));

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + seed);
        return b;
    }

    static byte[] stream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : MESSAGES) {
            ByteBuf f = DnsTcpFrameDecoder.frame(Unpooled.buffer().alloc(), m);
            byte[] framed = new byte[f.readableBytes()];
            f.readBytes(framed);
            out.writeBytes(framed);
        }
        return out.toByteArray();
    }

    static List<byte[]> decode(EmbeddedChannel ch) {
        List<byte[]> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) out.add((byte[]) o);
        return out;
    }

    static void assertMessages(List<byte[]> got) {
        assertEquals(MESSAGES.size(), got.size());
        for (int i = 0; i < got.size(); i++) assertArrayEquals(MESSAGES.get(i), got.get(i), "message " + i);
    }

    @Test
    void everySplitPointYieldsTheSameMessages() {
        byte[] s = stream();
        for (int cut = 0; cut <= s.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new DnsTcpFrameDecoder(65535));
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(s, 0, cut)));
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(s, cut, s.length)));
            assertMessages(decode(ch));
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void oneByteAtATime() {
        byte[] s = stream();
        EmbeddedChannel ch = new EmbeddedChannel(new DnsTcpFrameDecoder(65535));
        for (byte b : s) ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        assertMessages(decode(ch));
    }

    @Test
    void aFrameOverTheLimitOrOfLengthZeroBreaksTheStream() {
        EmbeddedChannel big = new EmbeddedChannel(new DnsTcpFrameDecoder(512));
        DecoderException e = assertThrows(DecoderException.class, () -> big.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x02, 0x01, 1, 2})));
        assertTrue(e.getMessage().contains("513 bytes (accepted: 1..512)"), e.getMessage());
        EmbeddedChannel zero = new EmbeddedChannel(new DnsTcpFrameDecoder(512));
        assertThrows(DecoderException.class, () -> zero.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 5})));
    }
}
