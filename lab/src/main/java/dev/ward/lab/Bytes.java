package dev.ward.lab;

import dev.ward.netlink.IpPrefix;

import java.net.InetAddress;

/** Byte searches and prefix tests the lab's packet evidence needs. */
final class Bytes {
    private Bytes() {}

    /** Whether {@code needle} appears anywhere in {@code haystack}. */
    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    /** Whether {@code a} lies inside {@code prefix} (same family, first {@code length} bits equal). */
    static boolean within(IpPrefix prefix, InetAddress a) {
        byte[] p = prefix.address().getAddress(), x = a.getAddress();
        if (p.length != x.length) return false;
        int bits = prefix.length();
        for (int i = 0; i < p.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((p[i] & mask) != (x[i] & mask)) return false;
        }
        return true;
    }
}
