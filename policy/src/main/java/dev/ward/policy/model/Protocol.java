package dev.ward.policy.model;

import java.util.List;

/**
 * IP protocols policy can name. {@code ANY} in a port rule stands for TCP, UDP and SCTP (as in Cilium); an L3-only
 * rule (no ports) covers every protocol, which the verdict table writes as {@link #OTHER} plus each named one.
 */
public enum Protocol {
    TCP(6), UDP(17), SCTP(132), ICMP(1), ICMPV6(58),
    /** Only in rules: TCP, UDP and SCTP. */
    ANY(0),
    /** Only in verdict tables: every IP protocol not listed above (GRE, ESP, ...). */
    OTHER(255);

    /** The protocols a port rule with {@code protocol: ANY} covers. */
    public static final List<Protocol> PORT_PROTOCOLS = List.of(TCP, UDP, SCTP);
    /** The protocol buckets of a verdict table; an L3-only rule writes an entry for each. */
    public static final List<Protocol> TABLE_PROTOCOLS = List.of(TCP, UDP, SCTP, ICMP, ICMPV6, OTHER);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** Parses a protocol as policies write it (TCP, UDP, SCTP, ANY; any case). */
    public static Protocol parsePortProtocol(String text) {
        return switch (text.toUpperCase()) {
            case "TCP" -> TCP;
            case "UDP" -> UDP;
            case "SCTP" -> SCTP;
            case "ANY" -> ANY;
            default -> throw new IllegalArgumentException("unknown protocol '" + text + "' (expected TCP, UDP, SCTP or ANY)");
        };
    }

    /** Parses a protocol as an operator writes it on the command line: a name or an IP protocol number. */
    public static Protocol parseFlowProtocol(String text) {
        String t = text.toUpperCase();
        for (Protocol p : TABLE_PROTOCOLS) {
            if (p != OTHER && (p.name().equals(t) || String.valueOf(p.number).equals(t))) return p;
        }
        if (t.equals("ICMP6") || t.equals("IPV6-ICMP")) return ICMPV6;
        if (t.matches("\\d+")) return OTHER;
        throw new IllegalArgumentException("unknown protocol '" + text + "' (expected TCP, UDP, SCTP, ICMP, ICMPv6 or a number)");
    }
}
