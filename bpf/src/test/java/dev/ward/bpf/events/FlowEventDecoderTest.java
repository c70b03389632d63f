package dev.ward.bpf.events;

import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code struct flow_event} as the datapath writes it, built byte by byte. */
class FlowEventDecoderTest {
    static byte[] event(int family, byte[] saddr, byte[] daddr, int proto, int sport, int dport, int dir, int verdict, int reason,
                        int state) {
        ByteBuffer b = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(123456789L).putInt(3).putInt(1001).putInt(1002).putInt(0xabcdef01).putInt(9).putInt(74);
        b.putShort((short) sport).putShort((short) dport).putShort((short) 0);
        b.put((byte) family).put((byte) proto).put((byte) dir).put((byte) verdict).put((byte) reason).put((byte) state)
                .put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        b.put(saddr).put(daddr);
        return b.array();
    }

    static byte[] mapped(int a, int b, int c, int d) {
        return new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
    }

    @Test
    void decodesADroppedTcpSynWithItsReason() throws Exception {
        FlowEvent e = FlowEventDecoder.decode(event(4, mapped(10, 200, 1, 2), mapped(10, 200, 2, 2), 6, 40000, 8080, 1, 1, 2, 0));
        assertEquals(123456789L, e.timestampNanos());
        assertEquals(3, e.endpointId());
        assertEquals(1001, e.localIdentity());
        assertEquals(1002, e.remoteIdentity());
        assertEquals(0xabcdef01, e.cookie());
        assertEquals(9, e.ifindex());
        assertEquals(74, e.length());
        assertEquals(InetAddress.getByName("10.200.1.2"), e.source());
        assertEquals(InetAddress.getByName("10.200.2.2"), e.destination());
        assertEquals(40000, e.sourcePort());
        assertEquals(8080, e.destinationPort());
        assertEquals(Direction.EGRESS, e.direction());
        assertEquals(Verdict.Kind.DENY, e.verdict());
        assertEquals(FlowReason.POLICY_DEFAULT_DENY, e.reason());
        assertEquals(FlowState.NEW, e.state());
        assertTrue(e.dropped());
        assertEquals(InetAddress.getByName("10.200.2.2"), e.remoteAddress());
    }

    @Test
    void ipv6EventsDecodeBothAddresses() throws Exception {
        byte[] s = InetAddress.getByName("fd00:200:1::2").getAddress();
        byte[] d = InetAddress.getByName("fd00:200:2::2").getAddress();
        FlowEvent e = FlowEventDecoder.decode(event(6, s, d, 17, 5353, 53, 0, 0, 0, 4));
        assertEquals(InetAddress.getByName("fd00:200:1::2"), e.source());
        assertEquals(InetAddress.getByName("fd00:200:2::2"), e.destination());
        assertEquals(5353, e.sourcePort());
        assertEquals(Direction.INGRESS, e.direction());
        assertEquals(FlowState.UNTRACKED, e.state());
        assertTrue(!e.dropped());
    }

    @Test
    void malformedEventsAreRefusedWithWhatWasWrong() {
        assertEquals("flow event must be 80 bytes, got 79", assertThrows(IllegalArgumentException.class,
                () -> FlowEventDecoder.decode(new byte[79])).getMessage());
        assertEquals("unknown datapath reason code 9", assertThrows(IllegalArgumentException.class,
                () -> FlowEventDecoder.decode(event(4, mapped(1, 1, 1, 1), mapped(2, 2, 2, 2), 6, 1, 2, 0, 1, 9, 0))).getMessage());
        assertEquals("flow event direction 2 unknown", assertThrows(IllegalArgumentException.class,
                () -> FlowEventDecoder.decode(event(4, mapped(1, 1, 1, 1), mapped(2, 2, 2, 2), 6, 1, 2, 2, 1, 1, 0))).getMessage());
    }
}
