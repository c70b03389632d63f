package dev.ward.agent.flows;

import dev.ward.policy.model.Direction;

import java.time.Instant;
import java.util.List;

/**
 * One flow event of the node, whatever saw it: what the flow log writes and {@code wardctl monitor} shows.
 *
 * @param time        when its source saw it
 * @param node        the node that saw it
 * @param direction   the local endpoint's policy direction that judged it (egress of the sending pod, ingress of
 *                    the receiving one)
 * @param protocol    TCP, UDP, ICMP, ICMPv6, SCTP, or the IP protocol number
 * @param reason      why it was dropped or failed ({@code policy_deny}, {@code policy_default_deny},
 *                    {@code dns_refused}...), null when it passed
 * @param rules       the rule sections that decided ({@code CiliumNetworkPolicy/default/rule1 spec.ingress[0]});
 *                    empty when a direction's default decided or the source does not know
 */
public record Flow(Instant time, String node, FlowVerdict verdict, Direction direction, FlowPeer source, FlowPeer destination,
                   String protocol, String reason, List<String> rules, FlowDetail detail) {
    public Flow {
        rules = rules == null ? List.of() : List.copyOf(rules);
        if (detail == null) throw new IllegalArgumentException("a flow needs its detail");
    }

    public FlowType type() {
        return detail.type();
    }

    public Flow withPeers(FlowPeer s, FlowPeer d) {
        return new Flow(time, node, verdict, direction, s, d, protocol, reason, rules, detail);
    }

    /** The IP protocol's name as flows give it. */
    public static String protocolName(int number) {
        return switch (number) {
            case 1 -> "ICMP";
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 58 -> "ICMPv6";
            case 132 -> "SCTP";
            default -> Integer.toString(number);
        };
    }
}
