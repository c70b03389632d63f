package dev.ward.policy.model;

import java.util.List;

/**
 * One Cilium rule (a {@code spec} or one of {@code specs}), or the translation of a Kubernetes NetworkPolicy.
 * {@code enforcesIngress}/{@code enforcesEgress}: whether selecting an endpoint turns on default deny in that
 * direction.
 */
public record Rule(Subject subject, List<PeerRule> peerRules, boolean enforcesIngress, boolean enforcesEgress,
                   String description, RuleRef ref) {
    public Rule {
        peerRules = List.copyOf(peerRules);
    }

    public boolean enforces(Direction d) {
        return d == Direction.INGRESS ? enforcesIngress : enforcesEgress;
    }
}
