package dev.ward.agent.flows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Direction;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A flow as one JSON object: a line of the flow log, a {@code flow} answer of the agent's API, a line of
 * {@code wardctl monitor -o json}. The fields every flow has, then its type's own under a key named by the type
 * ({@code "l3l4"}, {@code "dns"}, {@code "l7"}). Reading it back gives the same {@link Flow}.
 */
public final class FlowJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FlowJson() {}

    public static ObjectNode toJson(Flow f) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", f.time().toString());
        n.put("node", f.node());
        n.put("type", f.type().wire());
        n.put("verdict", f.verdict().wire());
        n.put("direction", f.direction().lower());
        n.put("protocol", f.protocol());
        peer(n.putObject("source"), f.source());
        peer(n.putObject("destination"), f.destination());
        if (f.reason() != null) n.put("reason", f.reason());
        strings(n.putArray("rules"), f.rules());
        ObjectNode d = n.putObject(f.type().wire());
        switch (f.detail()) {
            case FlowDetail.L3L4 l -> {
                d.put("state", l.state());
                if (f.protocol().startsWith("ICMP")) {
                    d.put("icmpType", l.icmpType());
                    d.put("icmpCode", l.icmpCode());
                }
                d.put("length", l.length());
                if (l.proxyPort() != 0) d.put("proxyPort", l.proxyPort());
                d.put("cookie", String.format("0x%08x", l.cookie()));
            }
            case FlowDetail.Dns q -> {
                d.put("kind", q.kind());
                d.put("name", q.name());
                d.put("qtype", q.qtype());
                d.put("dnsVerdict", q.dnsVerdict());
                if (q.rcode() != null) d.put("rcode", q.rcode());
                strings(d.putArray("addresses"), q.addresses());
                strings(d.putArray("cnames"), q.cnames());
                d.put("ttlSeconds", q.ttlSeconds());
                if (q.pattern() != null) d.put("pattern", q.pattern());
                d.put("latencyMicros", q.latencyMicros());
                if (q.note() != null) d.put("note", q.note());
            }
            case FlowDetail.L7 l -> {
                d.put("event", l.event());
                d.put("parser", l.parser());
                ObjectNode fields = d.putObject("fields");
                new TreeMap<>(l.fields()).forEach(fields::put);
                if (l.status() != null) d.put("status", l.status());
                d.put("connection", l.connection());
                if (l.note() != null) d.put("note", l.note());
            }
        }
        return n;
    }

    public static String toLine(Flow f) {
        try {
            return JSON.writeValueAsString(toJson(f));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render flow: " + e.getMessage(), e);
        }
    }

    /** Reads a flow back; a field that is missing or wrong is an error naming it. */
    public static Flow fromJson(JsonNode n) {
        FlowType type = FlowType.parse(text(n, "type"));
        JsonNode d = n.get(type.wire());
        if (d == null || !d.isObject()) throw new IllegalArgumentException("flow has no \"" + type.wire() + "\" object");
        FlowDetail detail = switch (type) {
            case L3L4 -> new FlowDetail.L3L4(text(d, "state"), d.path("icmpType").asInt(), d.path("icmpCode").asInt(),
                    d.path("length").asInt(), d.path("proxyPort").asInt(), Integer.parseUnsignedInt(text(d, "cookie").substring(2), 16));
            case DNS -> new FlowDetail.Dns(text(d, "kind"), text(d, "name"), text(d, "qtype"), text(d, "dnsVerdict"), optional(d, "rcode"),
                    strings(d.path("addresses")), strings(d.path("cnames")), d.path("ttlSeconds").asLong(), optional(d, "pattern"),
                    d.path("latencyMicros").asLong(), optional(d, "note"));
            case L7 -> {
                Map<String, String> fields = new LinkedHashMap<>();
                d.path("fields").properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
                yield new FlowDetail.L7(text(d, "event"), text(d, "parser"), fields, optional(d, "status"), d.path("connection").asLong(),
                        optional(d, "note"));
            }
        };
        return new Flow(Instant.parse(text(n, "time")), optional(n, "node"), FlowVerdict.parse(text(n, "verdict")),
                direction(text(n, "direction")), peer(n.get("source"), "source"), peer(n.get("destination"), "destination"),
                text(n, "protocol"), optional(n, "reason"), strings(n.path("rules")), detail);
    }

    private static void peer(ObjectNode o, FlowPeer p) {
        if (p.address() != null) o.put("ip", p.address().getHostAddress());
        if (p.port() != 0) o.put("port", p.port());
        o.put("identity", Integer.toUnsignedLong(p.identity()));
        o.put("identityName", IdentityNumbers.describe(p.identity()));
        strings(o.putArray("labels"), p.labels());
        if (p.endpoint() != null) o.put("endpoint", p.endpoint());
    }

    private static FlowPeer peer(JsonNode o, String what) {
        if (o == null || !o.isObject()) throw new IllegalArgumentException("flow has no \"" + what + "\" object");
        String ip = optional(o, "ip");
        InetAddress address = ip == null ? null : IpPrefix.address(ip);
        return new FlowPeer(address, o.path("port").asInt(), (int) o.path("identity").asLong(), strings(o.path("labels")), optional(o, "endpoint"));
    }

    private static Direction direction(String s) {
        for (Direction d : Direction.values()) if (d.lower().equals(s)) return d;
        throw new IllegalArgumentException("flow direction '" + s + "' is neither ingress nor egress");
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a != null && a.isArray()) a.forEach(e -> out.add(e.asText()));
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("flow has no \"" + field + "\"");
        return v.asText();
    }

    private static String optional(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
