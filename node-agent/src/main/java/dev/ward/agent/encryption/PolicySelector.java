package dev.ward.agent.encryption;

/** Which packets an xfrm policy applies to. The kernel holds at most one policy per selector and direction. */
public record PolicySelector(TrafficDirection direction, Cidr source, Cidr destination) {
    public PolicySelector {
        if (source.family() != destination.family()) {
            throw new IllegalArgumentException("selector mixes families: " + source + " -> " + destination);
        }
    }
}
