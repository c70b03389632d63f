package dev.ward.agent.flows.sources;

import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowDetail;
import dev.ward.agent.flows.FlowPeer;
import dev.ward.agent.flows.FlowVerdict;
import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowReason;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A datapath flow event as a flow: the endpoint's side is the source of its egress and the destination of its
 * ingress; the verdict is the packet's fate (a redirect that found no proxy is a drop); the reason is the datapath's
 * own code ({@code policy_deny}, {@code policy_default_deny}, {@code endpoint_locked}...).
 */
public final class DatapathFlows {
    private DatapathFlows() {}

    /**
     * @param rules    the rule sections the event's cookie stands for (empty for cookie 0, the default)
     * @param endpoint the local endpoint's name, null if the datapath does not know it (any more)
     */
    public static Flow toFlow(FlowEvent e, Instant time, String node, List<String> rules, String endpoint) {
        FlowVerdict verdict;
        if (e.dropped()) verdict = FlowVerdict.DROPPED;
        else if (e.verdict() == Verdict.Kind.REDIRECT) verdict = FlowVerdict.REDIRECTED;
        else verdict = FlowVerdict.FORWARDED;
        boolean icmp = e.protocol() == 1 || e.protocol() == 58;
        int sourcePort = icmp ? 0 : e.sourcePort();
        int destinationPort = icmp ? 0 : e.destinationPort();
        FlowPeer source;
        FlowPeer destination;
        if (e.direction() == Direction.EGRESS) {
            source = new FlowPeer(e.source(), sourcePort, e.localIdentity(), List.of(), endpoint);
            destination = new FlowPeer(e.destination(), destinationPort, e.remoteIdentity(), List.of(), null);
        } else {
            source = new FlowPeer(e.source(), sourcePort, e.remoteIdentity(), List.of(), null);
            destination = new FlowPeer(e.destination(), destinationPort, e.localIdentity(), List.of(), endpoint);
        }
        String reason = e.reason() == FlowReason.FORWARDED ? (verdict == FlowVerdict.DROPPED ? "policy_deny" : null)
                : e.reason().name().toLowerCase(Locale.ROOT);
        FlowDetail.L3L4 detail = new FlowDetail.L3L4(e.state().name().toLowerCase(Locale.ROOT), e.icmpType(), e.icmpCode(), e.length(),
                e.proxyPort(), e.cookie());
        return new Flow(time, node, verdict, e.direction(), source, destination, Flow.protocolName(e.protocol()), reason, rules, detail);
    }
}
