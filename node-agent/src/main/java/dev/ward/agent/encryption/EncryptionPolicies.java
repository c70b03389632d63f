package dev.ward.agent.encryption;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the xfrm policies for this node. Selectors are formed only between CIDRs of the same family; the
 * tunnel's outer family may differ (IPv6 pods over an IPv4 underlay).
 */
public final class EncryptionPolicies {
    private static final List<TrafficDirection> INWARD = List.of(TrafficDirection.IN, TrafficDirection.FWD);

    private final LocalNode local;
    private final EncryptionSettings settings;

    public EncryptionPolicies(LocalNode local, EncryptionSettings settings) {
        this.local = local;
        this.settings = settings;
    }

    /**
     * Policies that do not depend on peers: local pod-to-pod traffic bypasses IPsec, and any other plaintext
     * between local pods and cluster pod CIDRs is blocked in all three directions. The block also covers the
     * moment a peer's policies are replaced, and every node that is not an admitted peer.
     */
    public List<DataplanePolicy> node() {
        List<DataplanePolicy> policies = new ArrayList<>();
        for (Cidr from : local.podCidrs()) {
            for (Cidr to : local.podCidrs()) {
                if (from.family() == to.family()) {
                    for (TrafficDirection direction : TrafficDirection.values()) {
                        policies.add(new DataplanePolicy.Bypass(direction, from, to));
                    }
                }
            }
        }
        for (Cidr mine : local.podCidrs()) {
            for (Cidr cluster : settings.clusterPodCidrs()) {
                if (mine.family() == cluster.family()) {
                    policies.add(new DataplanePolicy.Block(TrafficDirection.OUT, mine, cluster));
                    for (TrafficDirection direction : INWARD) {
                        policies.add(new DataplanePolicy.Block(direction, cluster, mine));
                    }
                }
            }
        }
        return policies;
    }

    /** What an admitted peer may send to local pods: only ESP from its own underlay address. */
    public List<DataplanePolicy> inboundFrom(List<Cidr> peerPodCidrs, TunnelEndpoints tunnel) {
        List<DataplanePolicy> policies = new ArrayList<>();
        for (Cidr theirs : peerPodCidrs) {
            for (Cidr mine : local.podCidrs()) {
                if (theirs.family() == mine.family()) {
                    for (TrafficDirection direction : INWARD) {
                        policies.add(new DataplanePolicy.RequireEsp(direction, theirs, mine, tunnel.remote(), tunnel.local()));
                    }
                }
            }
        }
        return policies;
    }

    /** Local pods' traffic to the peer's pods, through the tunnel on the given outbound SA. */
    public List<DataplanePolicy> outboundTo(List<Cidr> peerPodCidrs, TunnelEndpoints tunnel, Spi spi) {
        List<DataplanePolicy> policies = new ArrayList<>();
        for (Cidr mine : local.podCidrs()) {
            for (Cidr theirs : peerPodCidrs) {
                if (theirs.family() == mine.family()) {
                    policies.add(new DataplanePolicy.Encrypt(mine, theirs, tunnel, spi));
                }
            }
        }
        return policies;
    }
}
