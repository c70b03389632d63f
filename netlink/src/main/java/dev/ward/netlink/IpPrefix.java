package dev.ward.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address with a prefix length, e.g. {@code 10.0.1.0/24} or {@code fd00::1/128}. */
public record IpPrefix(InetAddress address, int length) {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public IpPrefix {
        int max = address.getAddress().length * 8;
        if (length < 0 || length > max) {
            throw new IllegalArgumentException("prefix length " + length + " out of range 0.." + max + " for " + address.getHostAddress());
        }
    }

    /** Parses {@code a.b.c.d/len}, {@code x::y/len}, or a bare address as a host prefix. */
    public static IpPrefix parse(String text) {
        int slash = text.indexOf('/');
        InetAddress a = address(slash < 0 ? text : text.substring(0, slash));
        int len = slash < 0 ? a.getAddress().length * 8 : Integer.parseInt(text.substring(slash + 1));
        return new IpPrefix(a, len);
    }

    public static IpPrefix host(InetAddress a) {
        return new IpPrefix(a, a.getAddress().length * 8);
    }

    /** Whether this prefix is one address (a /32 or /128). */
    public boolean isHost() {
        return length == address.getAddress().length * 8;
    }

    /** Parses a numeric address literal without ever consulting DNS. */
    public static InetAddress address(String literal) {
        if (literal.isEmpty() || !(literal.indexOf(':') >= 0 || Character.digit(literal.charAt(0), 16) >= 0)) {
            throw new IllegalArgumentException("not an IP address: " + literal);
        }
        try {
            if (literal.indexOf(':') < 0 && !literal.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                throw new IllegalArgumentException("not an IP address: " + literal);
            }
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + literal, e);
        }
    }

    public static int familyOf(InetAddress a) {
        return a instanceof Inet4Address ? AF_INET : AF_INET6;
    }

    public int family() {
        return familyOf(address);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + length;
    }
}
