package dev.ward.agentapi;

import java.util.List;

/**
 * An endpoint as the datapath's maps hold it, read back from the kernel (not from the agent's registry or engine):
 * what {@code wardctl endpoint list} and {@code wardctl policy get --endpoint} show beside the registry's view.
 *
 * @param attached         whether the endpoints map holds it at all (false: nothing else is set; its veth has no
 *                         entry, so its traffic is dropped as an unknown endpoint's, or it has no programs)
 * @param endpointId       the datapath's number for the endpoint (its policy map is {@code ward_pol_<id>})
 * @param veth             the veth the endpoints map has it on, and that veth's ifindex
 * @param identity         the security identity the endpoints map gives its packets
 * @param lockedDirections directions the datapath failed closed ({@code ingress}, {@code egress}): all their traffic
 *                         is dropped whatever the policy map says
 * @param policyEntries    entries in its policy map (one per port prefix), of {@code policyCapacity}
 */
public record DatapathInfo(boolean attached, int endpointId, String veth, int ifindex, int identity, boolean ingressEnforced, boolean egressEnforced,
                           List<String> lockedDirections, int policyEntries, int policyCapacity) {
    public DatapathInfo {
        lockedDirections = lockedDirections == null ? List.of() : List.copyOf(lockedDirections);
    }

    /** A registry endpoint the endpoints map does not hold. */
    public static final DatapathInfo NOT_ATTACHED = new DatapathInfo(false, 0, null, 0, 0, false, false, List.of(), 0, 0);
}
