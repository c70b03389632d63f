package dev.ward.lab;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a classic libpcap file (what {@code tcpdump -w} writes) and hands back the IP packets in it. Knows the
 * link types a lab capture produces: Ethernet, and Linux cooked captures v1 and v2 ({@code tcpdump -i any}).
 */
public final class Pcap {
    static final int LINKTYPE_ETHERNET = 1, LINKTYPE_LINUX_SLL = 113, LINKTYPE_LINUX_SLL2 = 276;
    private static final int ETHERTYPE_IPV4 = 0x0800;

    /** One captured frame: its link-layer protocol (an EtherType) and the network-layer bytes after the link header. */
    public record Frame(int etherType, byte[] payload) {
        public boolean ipv4() {
            return etherType == ETHERTYPE_IPV4 && payload.length >= 20 && (payload[0] >> 4 & 0xf) == 4;
        }
    }

    private Pcap() {}

    public static List<Frame> read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    static List<Frame> parse(byte[] bytes, String name) {
        if (bytes.length < 24) throw new IllegalArgumentException(name + ": " + bytes.length + " bytes, too short for a pcap header");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) b.order(ByteOrder.BIG_ENDIAN);
        else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) throw new IllegalArgumentException(name + ": not a pcap file (magic " + Integer.toHexString(magic) + ")");
        int linkType = b.getInt(20) & 0x0fffffff;
        if (linkType != LINKTYPE_ETHERNET && linkType != LINKTYPE_LINUX_SLL && linkType != LINKTYPE_LINUX_SLL2) {
            throw new IllegalArgumentException(name + ": link type " + linkType + " is not Ethernet or Linux cooked");
        }
        List<Frame> frames = new ArrayList<>();
        int at = 24;
        while (at + 16 <= bytes.length) {
            int captured = b.getInt(at + 8);
            int start = at + 16;
            if (captured < 0 || start + captured > bytes.length) break; // a capture cut off mid-record: keep what is whole
            frames.add(frame(Arrays.copyOfRange(bytes, start, start + captured), linkType));
            at = start + captured;
        }
        return frames;
    }

    private static Frame frame(byte[] f, int linkType) {
        return switch (linkType) {
            case LINKTYPE_ETHERNET -> ethernet(f);
            case LINKTYPE_LINUX_SLL -> f.length < 16 ? new Frame(-1, new byte[0]) : new Frame(u16(f, 14), Arrays.copyOfRange(f, 16, f.length));
            default -> f.length < 20 ? new Frame(-1, new byte[0]) : new Frame(u16(f, 0), Arrays.copyOfRange(f, 20, f.length));
        };
    }

    private static Frame ethernet(byte[] f) {
        if (f.length < 14) return new Frame(-1, new byte[0]);
        int type = u16(f, 12), header = 14;
        while ((type == 0x8100 || type == 0x88a8) && f.length >= header + 4) { // VLAN tags
            type = u16(f, header + 2);
            header += 4;
        }
        return new Frame(type, Arrays.copyOfRange(f, header, f.length));
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }
}
