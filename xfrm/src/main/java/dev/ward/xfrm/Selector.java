package dev.ward.xfrm;

import dev.ward.netlink.IpPrefix;

/**
 * The traffic an SA or policy applies to: source and destination prefixes, IP protocol (0 = any) and ports
 * (0 = any; ports only mean something for TCP, UDP and SCTP).
 */
public record Selector(IpPrefix source, IpPrefix destination, int protocol, int sourcePort, int destinationPort) {
    public static final int ANY = 0;

    public Selector {
        if (source.family() != destination.family()) {
            throw new IllegalArgumentException("selector mixes address families: " + source + " and " + destination);
        }
        if (protocol < 0 || protocol > 255) throw new IllegalArgumentException("IP protocol out of range: " + protocol);
        if (sourcePort < 0 || sourcePort > 65535 || destinationPort < 0 || destinationPort > 65535) {
            throw new IllegalArgumentException("port out of range in selector " + source + " -> " + destination);
        }
    }

    public static Selector between(IpPrefix source, IpPrefix destination) {
        return new Selector(source, destination, ANY, ANY, ANY);
    }

    /** Matches all traffic of the family of {@code like}. */
    public static Selector any(int family) {
        IpPrefix all = IpPrefix.parse(family == IpPrefix.AF_INET ? "0.0.0.0/0" : "::/0");
        return between(all, all);
    }

    public int family() {
        return source.family();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append(source).append(sourcePort == 0 ? "" : ":" + sourcePort)
                .append("->").append(destination).append(destinationPort == 0 ? "" : ":" + destinationPort);
        if (protocol != ANY) s.append(" proto ").append(protocol);
        return s.toString();
    }
}
