package dev.ward.agent.flows.sources;

import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowDetail;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.FlowPeer;
import dev.ward.agent.flows.FlowVerdict;
import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.dnsproxy.event.DnsEventListener;
import dev.ward.policy.model.Direction;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;

/**
 * The DNS proxy's events as flows: give it to the proxy as its {@link DnsEventListener} (its I/O threads call it;
 * it only converts and hands off to the hub, which never blocks). A query is the pod's egress to its DNS server;
 * its verdict is the proxy's: forwarded when policy admits the name (or the port at L4), dropped when refused or
 * denied, error when the proxy itself failed (the pod got SERVFAIL).
 */
public final class DnsFlows implements DnsEventListener {
    private final String node;
    private final FlowHub hub;

    public DnsFlows(String node, FlowHub hub) {
        this.node = node;
        this.hub = hub;
    }

    @Override
    public void onEvent(DnsEvent event) {
        hub.publish(toFlow(node, event));
    }

    public static Flow toFlow(String node, DnsEvent e) {
        FlowVerdict verdict = verdict(e);
        String reason = switch (e.verdict()) {
            case "allowed", "allowed_l4" -> verdict == FlowVerdict.ERROR ? "proxy_error" : null;
            case "refused" -> "dns_refused";
            case "denied" -> "policy_denied";
            case "unknown_endpoint" -> "unknown_endpoint";
            default -> "proxy_error";
        };
        FlowPeer pod = new FlowPeer(e.source(), e.sourcePort(), e.identity(), List.of(), e.endpoint());
        FlowPeer server = new FlowPeer(e.server(), e.serverPort(), e.serverIdentity(), List.of(), null);
        FlowDetail.Dns detail = new FlowDetail.Dns(e.kind().name().toLowerCase(Locale.ROOT), e.name(), e.type(), e.verdict(), e.rcode(),
                e.addresses().stream().map(InetAddress::getHostAddress).toList(), e.cnames(), e.ttlSeconds(), e.pattern(),
                e.latencyMicros(), e.note());
        return new Flow(e.time(), node, verdict, Direction.EGRESS, pod, server, e.transport().toUpperCase(Locale.ROOT), reason,
                e.rule() == null ? List.of() : List.of(e.rule()), detail);
    }

    private static FlowVerdict verdict(DnsEvent e) {
        return switch (e.verdict()) {
            // An answer the proxy made up (a timeout upstream or in the datapath) is the node failing the pod.
            case "allowed", "allowed_l4" -> e.note() != null ? FlowVerdict.ERROR : FlowVerdict.FORWARDED;
            case "refused", "denied", "unknown_endpoint" -> FlowVerdict.DROPPED;
            default -> FlowVerdict.ERROR;
        };
    }
}
