package dev.ward.bpf.lab;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Ethernet frames with an IPv4 or IPv6 header and a transport header, for program test runs. */
public final class Packets {
    public static final int TCP = 6, UDP = 17, SCTP = 132, ICMP = 1, ICMPV6 = 58, GRE = 47;

    private Packets() {}

    /** TCP (SYN), UDP and SCTP get ports; ICMP and ICMPv6 get {@code dport} as their type and {@code sport} as echo id. */
    public static byte[] frame(InetAddress src, InetAddress dst, int proto, int sport, int dport) {
        boolean v4 = src instanceof Inet4Address;
        byte[] l4 = l4(proto, sport, dport);
        int ipLen = v4 ? 20 : 40;
        ByteBuffer b = ByteBuffer.allocate(14 + ipLen + l4.length);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2});
        b.putShort((short) (v4 ? 0x0800 : 0x86DD));
        if (v4) {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) 1).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) proto).putShort((short) 0).put(src.getAddress()).put(dst.getAddress());
        } else {
            b.putInt(0x60000000).putShort((short) l4.length).put((byte) proto).put((byte) 64).put(src.getAddress()).put(dst.getAddress());
        }
        b.put(l4);
        return b.array();
    }

    private static byte[] l4(int proto, int sport, int dport) {
        return switch (proto) {
            case TCP -> ByteBuffer.allocate(20).putShort((short) sport).putShort((short) dport).putInt(1).putInt(0)
                    .put((byte) 0x50).put((byte) 0x02).putShort((short) 65535).putInt(0).array();
            case UDP -> ByteBuffer.allocate(8).putShort((short) sport).putShort((short) dport).putShort((short) 8).putShort((short) 0).array();
            case SCTP -> ByteBuffer.allocate(12).putShort((short) sport).putShort((short) dport).putInt(0).putInt(0).array();
            case ICMP, ICMPV6 -> ByteBuffer.allocate(8).put((byte) dport).put((byte) 0).putShort((short) 0).putShort((short) sport)
                    .putShort((short) 1).array();
            default -> new byte[8];
        };
    }

    /** An ICMP error of {@code type}/{@code code} quoting {@code quoted} (an IP packet without Ethernet header). */
    public static byte[] icmpError(InetAddress src, InetAddress dst, int type, int code, byte[] quotedFrame) {
        boolean v4 = src instanceof Inet4Address;
        int quotedLen = Math.min(quotedFrame.length - 14, (v4 ? 20 : 40) + 8);
        ByteBuffer l4 = ByteBuffer.allocate(8 + quotedLen);
        l4.put((byte) type).put((byte) code).putShort((short) 0).putInt(type == 3 && code == 4 ? 1280 : 0);
        l4.put(quotedFrame, 14, quotedLen);
        int ipLen = v4 ? 20 : 40;
        ByteBuffer b = ByteBuffer.allocate(14 + ipLen + l4.capacity());
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2});
        b.putShort((short) (v4 ? 0x0800 : 0x86DD));
        int proto = v4 ? ICMP : ICMPV6;
        if (v4) {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.capacity())).putShort((short) 1).putShort((short) 0)
                    .put((byte) 64).put((byte) proto).putShort((short) 0).put(src.getAddress()).put(dst.getAddress());
        } else {
            b.putInt(0x60000000).putShort((short) l4.capacity()).put((byte) proto).put((byte) 64).put(src.getAddress()).put(dst.getAddress());
        }
        b.put(l4.array());
        return b.array();
    }
}
