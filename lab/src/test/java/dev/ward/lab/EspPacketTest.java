package dev.ward.lab;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EspPacketTest {
    // IPv4 header (20 bytes, proto 50, 10.203.0.1 -> 10.203.0.2), SPI 0x1001, seq 7, then 8 bytes "ciphertext".
    private static final byte[] PACKET = HexFormat.of().parseHex(
            "4500002c00004000403200000acb00010acb0002" + "00001001" + "00000007" + "0102030405060708");

    @Test
    void parsesOuterAddressesSpiAndSequence() {
        EspPacket p = EspPacket.parse(PACKET);
        assertEquals("10.203.0.1", p.source().getHostAddress());
        assertEquals("10.203.0.2", p.destination().getHostAddress());
        assertEquals(0x1001, p.spi());
        assertEquals(7, p.sequence());
        assertEquals(8, p.encrypted().length);
        assertTrue(p.carriesInClear(new byte[] {3, 4, 5}));
        assertFalse(p.carriesInClear("ward".getBytes()));
    }

    @Test
    void refusesNonEspAndTruncatedPackets() {
        byte[] udp = PACKET.clone();
        udp[9] = 17;
        assertEquals("IP protocol 17, not ESP", assertThrows(IllegalArgumentException.class, () -> EspPacket.parse(udp)).getMessage());
        for (int cut = 0; cut < 28; cut++) {
            byte[] part = java.util.Arrays.copyOf(PACKET, cut);
            assertThrows(IllegalArgumentException.class, () -> EspPacket.parse(part));
        }
    }
}
