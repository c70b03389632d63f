package dev.ward.lab;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** The outer view of an IPv4 ESP packet: addresses, SPI, sequence number, and the (encrypted) rest. */
public record EspPacket(InetAddress source, InetAddress destination, int spi, int sequence, byte[] encrypted) {
    private static final int IPPROTO_ESP = 50;

    /** Parses an IPv4 packet as delivered to a raw socket; refuses anything that is not ESP. */
    public static EspPacket parse(byte[] ip) {
        if (ip.length < 20 || (ip[0] >> 4) != 4) throw new IllegalArgumentException("not an IPv4 packet (" + ip.length + " bytes)");
        int headerLen = (ip[0] & 0x0f) * 4;
        if (headerLen < 20 || ip.length < headerLen + 8) throw new IllegalArgumentException("truncated ESP packet: " + ip.length + " bytes");
        if (Byte.toUnsignedInt(ip[9]) != IPPROTO_ESP) throw new IllegalArgumentException("IP protocol " + Byte.toUnsignedInt(ip[9]) + ", not ESP");
        try {
            return new EspPacket(InetAddress.getByAddress(Arrays.copyOfRange(ip, 12, 16)), InetAddress.getByAddress(Arrays.copyOfRange(ip, 16, 20)),
                    bigEndian(ip, headerLen), bigEndian(ip, headerLen + 4), Arrays.copyOfRange(ip, headerLen + 8, ip.length));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int bigEndian(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    /** Whether {@code plain} appears anywhere in the encrypted part (it must not, for real ESP). */
    public boolean carriesInClear(byte[] plain) {
        return Bytes.contains(encrypted, plain);
    }
}
