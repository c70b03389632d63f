package dev.ward.agent.encryption;

import java.net.Inet4Address;
import java.net.InetAddress;

/** IPv4 or IPv6, with the fixed header size that matters for tunnel overhead. */
public enum IpFamily {
    IPV4(20),
    IPV6(40);

    private final int headerBytes;

    IpFamily(int headerBytes) {
        this.headerBytes = headerBytes;
    }

    /** Size of the IP header an ESP tunnel adds in this family (IPv6 without extension headers). */
    public int headerBytes() {
        return headerBytes;
    }

    public static IpFamily of(InetAddress address) {
        return address instanceof Inet4Address ? IPV4 : IPV6;
    }
}
