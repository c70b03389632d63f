package dev.ward.cli.flows;

import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowDetail;
import dev.ward.agent.flows.FlowPeer;
import dev.ward.policy.identity.IdentityNumbers;

import java.net.Inet6Address;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A flow as one line of {@code wardctl monitor}'s table: fixed columns (time in UTC, type, verdict, direction,
 * protocol, reason), then the flow itself: both ends (address and port, endpoint, identity and labels), what the
 * type adds (conntrack state; the DNS name, type, rcode and addresses; the L7 parser's fields and status), and the
 * rule that decided.
 */
final class FlowLine {
    static final String HEADER = line("TIME", "TYPE", "VERDICT", "DIRECTION", "PROTO", "REASON", "FLOW");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    /** Labels every pod of a cluster has alike: in the JSON output, left out of the table. */
    private static final List<String> UNSHOWN = List.of("k8s:io.cilium.k8s.policy.cluster=", "k8s:io.cilium.k8s.policy.serviceaccount=",
            "k8s:io.cilium.k8s.namespace.labels.");

    private FlowLine() {}

    private static String line(String time, String type, String verdict, String direction, String proto, String reason, String flow) {
        return String.format("%-12s  %-4s  %-10s  %-9s  %-6s  %-19s  %s", time, type, verdict, direction, proto, reason, flow);
    }

    static String of(Flow f) {
        String flow = peer(f.source()) + " -> " + peer(f.destination()) + detail(f)
                + (f.rules().isEmpty() ? "" : " rule: " + String.join("; ", f.rules()));
        return line(TIME.format(f.time()), f.type().wire(), f.verdict().name(), f.direction().lower(), f.protocol(),
                f.reason() == null ? "-" : f.reason(), flow);
    }

    private static String peer(FlowPeer p) {
        StringBuilder sb = new StringBuilder();
        if (p.address() == null) sb.append('?');
        else if (p.address() instanceof Inet6Address && p.port() != 0) sb.append('[').append(p.address().getHostAddress()).append(']');
        else sb.append(p.address().getHostAddress());
        if (p.port() != 0) sb.append(':').append(p.port());
        sb.append(" (");
        if (p.endpoint() != null) sb.append(p.endpoint()).append(' ');
        sb.append(IdentityNumbers.describe(p.identity()));
        List<String> shown = p.labels().stream().filter(l -> UNSHOWN.stream().noneMatch(l::startsWith)).toList();
        if (!shown.isEmpty()) sb.append(' ').append(String.join(",", shown));
        return sb.append(')').toString();
    }

    private static String detail(Flow f) {
        return switch (f.detail()) {
            case FlowDetail.L3L4 l -> " " + l.state() + (f.protocol().startsWith("ICMP") ? " type " + l.icmpType() + " code " + l.icmpCode() : "")
                    + (l.proxyPort() != 0 ? " to proxy port " + l.proxyPort() : "");
            case FlowDetail.Dns q -> " " + q.kind() + " " + q.qtype() + " " + q.name()
                    + (q.rcode() == null ? "" : " " + q.rcode())
                    + (q.addresses().isEmpty() ? "" : " " + String.join(",", q.addresses()))
                    + (q.note() == null ? "" : " (" + q.note() + ")");
            case FlowDetail.L7 l -> " " + l.parser() + " " + l.event() + fields(l.fields())
                    + (l.note() == null ? "" : " (" + l.note() + ")");
        };
    }

    private static String fields(Map<String, String> fields) {
        if (fields.isEmpty()) return "";
        return " " + new TreeMap<>(fields).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
