package dev.ward.policy.model;

/** One {@code icmps[].fields[]} entry: an ICMP (IPv4) or ICMPv6 message type. */
public record IcmpField(boolean ipv6, int type) {
    public Protocol protocol() {
        return ipv6 ? Protocol.ICMPV6 : Protocol.ICMP;
    }

    @Override
    public String toString() {
        return (ipv6 ? "ICMPv6" : "ICMP") + " type " + type;
    }
}
