package dev.ward.agent.encryption;

import java.util.Collection;
import java.util.Optional;

/**
 * Whether a verified peer can be given tunnels and policies. Its pod CIDRs become the destinations of encrypt
 * policies, so an authenticated node claiming another node's (or this node's) pod CIDRs would attract their
 * traffic: such claims are refused, as are CIDRs outside the cluster's pod space.
 */
final class PeerAdmission {
    private final LocalNode local;
    private final EncryptionSettings settings;

    PeerAdmission(LocalNode local, EncryptionSettings settings) {
        this.local = local;
        this.settings = settings;
    }

    Optional<String> problem(NodeAnnouncement candidate, Collection<NodeAnnouncement> otherPeers) {
        if (TunnelEndpoints.between(local.underlay(), candidate.underlay()).isEmpty()) {
            return Optional.of("no underlay address family in common with " + local.name()
                    + " (peer " + candidate.underlay() + ", local " + local.underlay() + ")");
        }
        for (Cidr claimed : candidate.podCidrs()) {
            boolean inCluster = settings.clusterPodCidrs().stream()
                    .anyMatch(cluster -> cluster.overlaps(claimed) && cluster.prefixLength() <= claimed.prefixLength());
            if (!inCluster) {
                return Optional.of("pod CIDR " + claimed + " is outside the cluster pod CIDRs " + settings.clusterPodCidrs());
            }
            for (Cidr own : local.podCidrs()) {
                if (own.overlaps(claimed)) {
                    return Optional.of("pod CIDR " + claimed + " overlaps " + local.name() + "'s own " + own);
                }
            }
            for (NodeAnnouncement other : otherPeers) {
                for (Cidr theirs : other.podCidrs()) {
                    if (!other.node().equals(candidate.node()) && theirs.overlaps(claimed)) {
                        return Optional.of("pod CIDR " + claimed + " overlaps " + theirs + " of " + other.node());
                    }
                }
            }
        }
        return Optional.empty();
    }
}
