package dev.ward.lab;

import dev.ward.netlink.IpPrefix;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pcap files as tcpdump writes them (little-endian, Ethernet or Linux cooked v2), and what the lab reads in them. */
class PcapTest {
    static final byte[] NODE_A = {(byte) 192, (byte) 168, 77, 1}, NODE_B = {(byte) 192, (byte) 168, 77, 2};
    static final byte[] POD_A = {10, (byte) 244, 1, 11}, POD_B = {10, (byte) 244, 2, 11};

    @Test
    void readsIpPacketsBehindEthernetAndCookedHeaders() {
        byte[] esp = ipv4(NODE_A, NODE_B, 50, new byte[] {0, 0, 0x10, 0x01, 0, 0, 0, 1, 9, 9});
        List<Pcap.Frame> eth = Pcap.parse(pcap(Pcap.LINKTYPE_ETHERNET, ethernet(esp), ethernet(arp())), "eth");
        assertEquals(2, eth.size());
        assertTrue(eth.get(0).ipv4());
        assertArrayEquals(esp, eth.get(0).payload());
        assertFalse(eth.get(1).ipv4());
        List<Pcap.Frame> sll2 = Pcap.parse(pcap(Pcap.LINKTYPE_LINUX_SLL2, sll2(esp)), "any");
        assertArrayEquals(esp, sll2.getFirst().payload());
    }

    @Test
    void refusesWhatIsNotAPcapFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pcap.parse(new byte[40], "x.pcap"));
        assertTrue(e.getMessage().startsWith("x.pcap: not a pcap file"), e.getMessage());
    }

    @Test
    void onlyEspBetweenNodesPasses() {
        byte[] esp = ipv4(NODE_A, NODE_B, 50, new byte[] {0x0b, 0x0b, 0x0b, 0x0b, 0, 0, 0, 1, 1, 2, 3});
        UnderlayCapture c = analyse(pcap(Pcap.LINKTYPE_ETHERNET, ethernet(esp), ethernet(arp())));
        assertTrue(c.onlyEsp(), c.describe());
        assertEquals(Set.of("0x0b0b0b0b"), c.spis());
        assertEquals(esp.length, c.maxEspBytes());
    }

    @Test
    void plaintextPodTrafficOnTheWireFails() {
        byte[] secret = ("x" + LabTraffic.MARKER + "1").getBytes(StandardCharsets.US_ASCII);
        byte[] inner = ipv4(POD_A, POD_B, 17, secret);
        byte[] esp = ipv4(NODE_A, NODE_B, 50, new byte[] {0, 0, 0, 1, 0, 0, 0, 1});
        UnderlayCapture c = analyse(pcap(Pcap.LINKTYPE_LINUX_SLL2, sll2(esp), sll2(inner), sll2(ipv4(NODE_A, NODE_B, 1, secret))));
        assertFalse(c.onlyEsp());
        assertEquals(1, c.esp());
        assertEquals(1, c.plaintextBetweenNodes());
        assertEquals(1, c.podAddressed());
        assertEquals(2, c.markerHits());
        assertEquals(List.of("10.244.1.11->10.244.2.11 proto 17", "192.168.77.1->192.168.77.2 proto 1"), c.plaintextExamples());
    }

    @Test
    void aCaptureWithoutEspIsNoPass() {
        assertFalse(analyse(pcap(Pcap.LINKTYPE_ETHERNET, ethernet(arp()))).onlyEsp());
    }

    private static UnderlayCapture analyse(byte[] pcap) {
        return UnderlayCapture.analyse(Pcap.parse(pcap, "test"), Set.of(IpPrefix.address("192.168.77.1"), IpPrefix.address("192.168.77.2")),
                IpPrefix.parse("10.244.0.0/16"), List.of(LabTraffic.MARKER_BYTES));
    }

    static byte[] ipv4(byte[] src, byte[] dst, int protocol, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).put(src).put(dst).put(payload);
        return b.array();
    }

    private static byte[] arp() {
        return new byte[28];
    }

    private static byte[] ethernet(byte[] ipOrArp) {
        ByteBuffer b = ByteBuffer.allocate(14 + ipOrArp.length);
        b.put(new byte[12]).putShort((short) (ipOrArp.length == 28 ? 0x0806 : 0x0800)).put(ipOrArp);
        return b.array();
    }

    private static byte[] sll2(byte[] ip) {
        ByteBuffer b = ByteBuffer.allocate(20 + ip.length);
        b.putShort((short) 0x0800).put(new byte[18]).put(ip);
        return b.array();
    }

    private static byte[] pcap(int linkType, byte[]... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(linkType);
        out.writeBytes(h.array());
        for (byte[] f : frames) {
            ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt(1).putInt(0).putInt(f.length).putInt(f.length);
            out.writeBytes(r.array());
            out.writeBytes(f);
        }
        return out.toByteArray();
    }
}
