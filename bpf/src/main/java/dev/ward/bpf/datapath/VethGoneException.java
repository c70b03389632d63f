package dev.ward.bpf.datapath;

import dev.ward.policy.model.Direction;

import java.util.Set;

/** An endpoint's host-side veth does not exist (any more). */
public final class VethGoneException extends EndpointDatapathException {
    private final String veth;

    public VethGoneException(String endpoint, String veth, int ifindex, String netns, Set<Direction> locked) {
        super(endpoint, locked, "veth " + veth + (ifindex > 0 ? " (ifindex " + ifindex + ")" : "") + " not found in "
                + (netns == null ? "the agent's network namespace" : "network namespace " + netns), null);
        this.veth = veth;
    }

    public String veth() {
        return veth;
    }
}
