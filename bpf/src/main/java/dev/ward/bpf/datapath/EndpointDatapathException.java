package dev.ward.bpf.datapath;

import dev.ward.policy.model.Direction;

import java.util.EnumSet;
import java.util.Set;

/**
 * The datapath could not give an endpoint the policy it should have. The endpoint is left failed closed in
 * {@link #lockedDirections()}: every packet in those directions is dropped until a later apply or reconcile
 * succeeds (nothing half-written is ever enforced).
 */
public class EndpointDatapathException extends RuntimeException {
    private final String endpoint;
    private final Set<Direction> locked;

    public EndpointDatapathException(String endpoint, Set<Direction> locked, String problem, Throwable cause) {
        super("endpoint " + endpoint + ": " + problem + describe(locked), cause);
        this.endpoint = endpoint;
        this.locked = locked.isEmpty() ? EnumSet.noneOf(Direction.class) : EnumSet.copyOf(locked);
    }

    private static String describe(Set<Direction> locked) {
        if (locked.isEmpty()) return "";
        return "; its " + String.join(" and ", locked.stream().map(Direction::lower).toList()) + " traffic is denied until it is repaired";
    }

    public String endpoint() {
        return endpoint;
    }

    public Set<Direction> lockedDirections() {
        return locked;
    }
}
