package dev.ward.policy.model;

import dev.ward.policy.label.LabelSelector;

import java.util.List;

/**
 * One entry of {@code ingress}, {@code egress}, {@code ingressDeny} or {@code egressDeny}: the peers, the ports and
 * ICMP types it covers. {@code requires} holds {@code fromRequires}/{@code toRequires}, which constrain the peers of
 * every allow rule that selects the same endpoint instead of allowing anything themselves.
 */
public record PeerRule(Direction direction, Action action, List<Peer> peers, List<LabelSelector> requires,
                       List<PortRule> toPorts, List<IcmpField> icmps, RuleRef ref) {
    public PeerRule {
        peers = List.copyOf(peers);
        requires = List.copyOf(requires);
        toPorts = List.copyOf(toPorts);
        icmps = List.copyOf(icmps);
    }

    /** A rule with no peers but with ports or ICMP types applies to every peer, as in Cilium. */
    public boolean hasL4() {
        return !toPorts.isEmpty() || !icmps.isEmpty();
    }
}
