package dev.ward.l7proxy.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.InetSocketAddress;
import java.util.TreeMap;

/** The JSON form of an access-log event, one object per event, as the flow log and the monitor print it. */
public final class AccessEventJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AccessEventJson() {}

    public static ObjectNode tree(L7AccessEvent e) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("time", e.time().toString());
        o.put("type", "l7");
        o.put("event", e.type().name().toLowerCase());
        o.put("connection", e.connectionId());
        o.put("direction", e.direction().lower());
        o.put("protocol", "TCP");
        address(o.putObject("source"), e.source(), e.sourceIdentity());
        address(o.putObject("destination"), e.destination(), e.destinationIdentity());
        o.put("parser", e.parser());
        o.put("verdict", e.outcome().name().toLowerCase());
        ObjectNode f = o.putObject("fields");
        new TreeMap<>(e.fields()).forEach(f::put);
        if (e.rule() != null) o.put("rule", e.rule());
        if (e.reason() != null) o.put("reason", e.reason());
        return o;
    }

    public static String render(L7AccessEvent e) {
        try {
            return MAPPER.writeValueAsString(tree(e));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot render access event: " + ex.getMessage(), ex);
        }
    }

    private static void address(ObjectNode o, InetSocketAddress a, int identity) {
        o.put("ip", a.getAddress().getHostAddress());
        o.put("port", a.getPort());
        o.put("identity", Integer.toUnsignedLong(identity));
    }
}
