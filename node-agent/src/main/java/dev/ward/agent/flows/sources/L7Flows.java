package dev.ward.agent.flows.sources;

import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowDetail;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.FlowPeer;
import dev.ward.agent.flows.FlowVerdict;
import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.access.L7AccessListener;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The L7 proxy's access log as flows: give it to the proxy as its {@link L7AccessListener} (its event loops call
 * it; it converts and hands off to the hub, which never blocks). Requests and replies keep the verdict the parser's
 * rules gave (a reply to a denied request, the protocol's own error, is dropped too); a connection the proxy closed
 * on bad input is an error.
 */
public final class L7Flows implements L7AccessListener {
    private final String node;
    private final FlowHub hub;

    public L7Flows(String node, FlowHub hub) {
        this.node = node;
        this.hub = hub;
    }

    @Override
    public void onEvent(L7AccessEvent event) {
        hub.publish(toFlow(node, event));
    }

    public static Flow toFlow(String node, L7AccessEvent e) {
        FlowVerdict verdict = switch (e.outcome()) {
            case FORWARDED -> FlowVerdict.FORWARDED;
            case DENIED -> FlowVerdict.DROPPED;
            case ERROR -> FlowVerdict.ERROR;
        };
        String reason = switch (e.outcome()) {
            case FORWARDED -> null;
            case DENIED -> "policy_denied";
            case ERROR -> "l7_protocol_error";
        };
        FlowPeer source = new FlowPeer(e.source().getAddress(), e.source().getPort(), e.sourceIdentity(), List.of(), null);
        FlowPeer destination = new FlowPeer(e.destination().getAddress(), e.destination().getPort(), e.destinationIdentity(), List.of(), null);
        FlowDetail.L7 detail = new FlowDetail.L7(e.type().name().toLowerCase(Locale.ROOT), e.parser(), e.fields(), status(e.fields()),
                e.connectionId(), e.reason());
        return new Flow(e.time(), node, verdict, e.direction(), source, destination, "TCP", reason,
                e.rule() == null ? List.of() : List.of(e.rule()), detail);
    }

    /** A reply's outcome as each parser names it: HTTP's status, Kafka's error, memcached's result. */
    private static String status(Map<String, String> fields) {
        for (String k : List.of("status", "error", "result")) {
            String v = fields.get(k);
            if (v != null) return v;
        }
        return null;
    }
}
