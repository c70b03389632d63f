package dev.ward.l7proxy.access;

import dev.ward.policy.model.Direction;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;

/**
 * One access-log record of the L7 proxy: a request and its verdict, a reply, or a connection the proxy closed
 * because its input could not be parsed. {@code fields} are the parser's key/values (method, path, status;
 * apiKey, topic; query_action, query_table; command, key). {@code rule} names the rule section that decided, when
 * one did.
 */
public record L7AccessEvent(Instant time, long connectionId, Direction direction, InetSocketAddress source,
                            InetSocketAddress destination, int sourceIdentity, int destinationIdentity, String parser,
                            Type type, Outcome outcome, Map<String, String> fields, String rule, String reason) {

    public enum Type { REQUEST, REPLY, ERROR }

    public enum Outcome { FORWARDED, DENIED, ERROR }

    public L7AccessEvent {
        fields = Map.copyOf(fields);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase() + " " + parser + " " + outcome.name().toLowerCase() + " " + fields
                + (rule == null ? "" : " rule=" + rule) + (reason == null ? "" : " (" + reason + ")");
    }
}
