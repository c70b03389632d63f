package dev.ward.netlink;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NetlinkMessageDecoderTest {
    private static final List<NetlinkRequest> REQUESTS = List.of(
            new NetlinkRequest(0x10, 0, new byte[] {1, 2, 3}, "a"),          // padded to 20
            new NetlinkRequest(0x11, 0, new byte[0], "b"),                    // header only
            new NetlinkRequest(0x12, 0, new byte[] {9, 8, 7, 6, 5, 4, 3, 2}, "c"));

    private static ByteBuffer encoded() {
        int n = REQUESTS.stream().mapToInt(NetlinkRequest::encodedLength).sum();
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.nativeOrder());
        int seq = 100;
        for (NetlinkRequest r : REQUESTS) NetlinkRequestEncoder.encode(b, r, NetlinkFlags.REQUEST | NetlinkFlags.ACK, seq++);
        return b.flip();
    }

    @Test
    void encodedMessagesAreAlignedAndDecodeBack() {
        ByteBuffer b = encoded();
        assertEquals(20 + 16 + 24, b.remaining());
        assertEquals(19, b.getInt(0), "length field excludes padding");
        List<NetlinkMessage> msgs = NetlinkMessageDecoder.decode(b);
        assertEquals(3, msgs.size());
        for (int i = 0; i < 3; i++) {
            NetlinkMessage m = msgs.get(i);
            assertEquals(REQUESTS.get(i).type(), m.type());
            assertEquals(100 + i, m.seq());
            assertEquals(NetlinkFlags.REQUEST | NetlinkFlags.ACK, m.flags());
            byte[] body = new byte[m.payloadLength()];
            m.payload().get(body);
            assertArrayEquals(REQUESTS.get(i).payload(), body);
        }
    }

    @Test
    void truncationAtEveryOffsetIsRejectedOrYieldsOnlyWholeMessages() {
        ByteBuffer full = encoded();
        // Message boundaries, where a cut leaves only whole messages; the first message's unpadded end (19)
        // is one too: the decoder accepts a final message without its trailing padding, as the kernel sends it.
        List<Integer> boundaries = List.of(0, 19, 20, 36, 60);
        for (int cut = 0; cut < full.remaining(); cut++) {
            ByteBuffer part = full.duplicate().limit(cut);
            if (boundaries.contains(cut)) {
                int expected = cut == 0 ? 0 : cut <= 20 ? 1 : cut == 36 ? 2 : 3;
                assertEquals(expected, NetlinkMessageDecoder.decode(part).size(), "cut at " + cut);
            } else {
                int at = cut;
                assertThrows(MalformedNetlinkMessageException.class, () -> NetlinkMessageDecoder.decode(part), "cut at " + at);
            }
        }
    }

    @Test
    void lengthShorterThanHeaderIsRejected() {
        ByteBuffer b = encoded();
        b.putInt(0, 8);
        assertThrows(MalformedNetlinkMessageException.class, () -> NetlinkMessageDecoder.decode(b));
    }
}
