package dev.ward.dnsproxy.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.policy.identity.IdentityNumbers;

import java.net.InetAddress;

/** Renders events as one JSON object each (a line in the flow log, a row of {@code wardctl monitor -o json}). */
public final class DnsEventJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DnsEventJson() {}

    public static ObjectNode toJson(DnsEvent e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "dns");
        n.put("kind", e.kind().name().toLowerCase());
        n.put("time", e.time().toString());
        n.put("endpoint", e.endpoint());
        n.put("identity", e.identity());
        n.put("identityName", IdentityNumbers.describe(e.identity()));
        n.put("source", address(e.source()));
        if (e.sourcePort() != 0) n.put("sourcePort", e.sourcePort());
        n.put("server", address(e.server()));
        if (e.serverPort() != 0) n.put("serverPort", e.serverPort());
        n.put("serverIdentity", e.serverIdentity());
        n.put("transport", e.transport());
        n.put("name", e.name());
        n.put("qtype", e.type());
        n.put("verdict", e.verdict());
        n.put("rule", e.rule());
        n.put("pattern", e.pattern());
        if (e.kind() == DnsEvent.Kind.ANSWER) {
            n.put("rcode", e.rcode());
            ArrayNode a = n.putArray("addresses");
            for (InetAddress ad : e.addresses()) a.add(ad.getHostAddress());
            ArrayNode c = n.putArray("cnames");
            e.cnames().forEach(c::add);
            n.put("ttlSeconds", e.ttlSeconds());
            n.put("latencyMicros", e.latencyMicros());
            if (e.note() != null) n.put("note", e.note());
        }
        return n;
    }

    public static String toLine(DnsEvent e) {
        try {
            return JSON.writeValueAsString(toJson(e));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot render DNS event: " + ex.getMessage(), ex);
        }
    }

    private static String address(InetAddress a) {
        return a == null ? null : a.getHostAddress();
    }
}
