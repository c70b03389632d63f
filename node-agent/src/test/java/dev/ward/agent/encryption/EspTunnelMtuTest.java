package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EspTunnelMtuTest {

    /**
     * IPv4 underlay, MTU 1500: 1500 - 20 (outer IPv4) - 8 (SPI, sequence) - 8 (IV) - 16 (ICV) = 1448 bytes for the
     * encrypted part, already a multiple of 4; minus pad length and next header = 1446. A 1446-byte packet is
     * 1446 + 2 = 1448 encrypted bytes with no padding, 20 + 8 + 8 + 1448 + 16 = 1500 on the wire.
     */
    @Test
    void ipv4UnderlayAt1500() {
        assertEquals(1446, EspTunnelMtu.podMtu(1500, IpFamily.IPV4, true));
        assertEquals(1500, EspTunnelMtu.tunnelPacketBytes(1446, IpFamily.IPV4));
        // One byte more needs 3 bytes of padding to reach the 4-byte boundary: 1504, too big.
        assertEquals(1504, EspTunnelMtu.tunnelPacketBytes(1447, IpFamily.IPV4));
    }

    /** IPv6 underlay (no extension headers), MTU 1500: 1500 - 40 - 8 - 8 - 16 = 1428, minus 2 = 1426. */
    @Test
    void ipv6UnderlayAt1500() {
        assertEquals(1426, EspTunnelMtu.podMtu(1500, IpFamily.IPV6, true));
        assertEquals(1500, EspTunnelMtu.tunnelPacketBytes(1426, IpFamily.IPV6));
        assertEquals(1504, EspTunnelMtu.tunnelPacketBytes(1427, IpFamily.IPV6));
    }

    /** Jumbo frames: 9001 - 20 - 32 = 8949 -> 8948 aligned -> 8946. */
    @Test
    void jumboFramesAndUnalignedUnderlayMtus() {
        assertEquals(8946, EspTunnelMtu.podMtu(9001, IpFamily.IPV4, true));
        assertEquals(8946, EspTunnelMtu.podMtu(9000, IpFamily.IPV4, true));
        // 1450, a common overlay-reduced underlay: 1450 - 52 = 1398 -> 1396 aligned -> 1394.
        assertEquals(1394, EspTunnelMtu.podMtu(1450, IpFamily.IPV4, true));
    }

    /** Every pod MTU is the largest size that fits: it fits, and one byte more does not. */
    @Test
    void thePodMtuIsExactlyTheLargestFittingPacket() {
        for (IpFamily family : IpFamily.values()) {
            for (int underlay = 1400; underlay <= 9216; underlay++) {
                int pod = EspTunnelMtu.podMtu(underlay, family, false);
                assertTrue(EspTunnelMtu.tunnelPacketBytes(pod, family) <= underlay, family + " " + underlay);
                assertTrue(EspTunnelMtu.tunnelPacketBytes(pod + 1, family) > underlay, family + " " + underlay);
            }
        }
    }

    @Test
    void refusesUnderlaysTooSmallForThePods() {
        var error = assertThrows(IllegalArgumentException.class, () -> EspTunnelMtu.podMtu(1300, IpFamily.IPV6, true));
        assertTrue(error.getMessage().contains("leaves 1226 bytes for pods after ESP tunnel overhead; IPv6 pods need 1280"),
                error.getMessage());
        assertEquals(1246, EspTunnelMtu.podMtu(1300, IpFamily.IPV4, false));
        assertThrows(IllegalArgumentException.class, () -> EspTunnelMtu.podMtu(100, IpFamily.IPV4, false));
    }
}
