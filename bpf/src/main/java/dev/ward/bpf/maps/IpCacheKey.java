package dev.ward.bpf.maps;

import dev.ward.netlink.IpPrefix;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An ipcache key ({@code struct ipcache_key}, 20 bytes): prefix length and a 16-byte address, IPv4 written
 * v4-mapped ({@code ::ffff:a.b.c.d}, 96 bits longer), so one trie serves both families and an IPv4 prefix
 * never matches an IPv6 address.
 */
public final class IpCacheKey {
    public static final int SIZE = 20;
    private static final int V4_MAPPED_BITS = 96;

    private IpCacheKey() {}

    public static byte[] encode(IpPrefix prefix) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] a = prefix.address().getAddress();
        boolean v4 = prefix.address() instanceof Inet4Address;
        b.putInt(prefix.length() + (v4 ? V4_MAPPED_BITS : 0));
        b.put(mapped(a));
        return b.array();
    }

    /** The 16 bytes the datapath keys an address by. */
    public static byte[] mapped(byte[] address) {
        if (address.length == 16) return address.clone();
        byte[] m = new byte[16];
        m[10] = (byte) 0xFF;
        m[11] = (byte) 0xFF;
        System.arraycopy(address, 0, m, 12, 4);
        return m;
    }

    /** The address of 16 datapath bytes: IPv4 when v4-mapped. */
    public static InetAddress unmapped(byte[] sixteen) {
        try {
            boolean v4 = true;
            for (int i = 0; i < 10; i++) v4 &= sixteen[i] == 0;
            v4 &= sixteen[10] == (byte) 0xFF && sixteen[11] == (byte) 0xFF;
            if (v4) return InetAddress.getByAddress(java.util.Arrays.copyOfRange(sixteen, 12, 16));
            return InetAddress.getByAddress(sixteen);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static IpPrefix decode(byte[] bytes) {
        if (bytes.length != SIZE) throw new IllegalArgumentException("ipcache key must be " + SIZE + " bytes, got " + bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int len = b.getInt();
        byte[] addr = new byte[16];
        b.get(addr);
        InetAddress a = unmapped(addr);
        if (a instanceof Inet4Address) {
            if (len < V4_MAPPED_BITS) throw new IllegalArgumentException("v4-mapped ipcache key with prefix length " + len);
            return new IpPrefix(a, len - V4_MAPPED_BITS);
        }
        return new IpPrefix(a, len);
    }

    /** A lookup key for one address: the longest-prefix match the datapath makes. */
    public static byte[] lookup(InetAddress address) {
        return encode(IpPrefix.host(address));
    }
}
