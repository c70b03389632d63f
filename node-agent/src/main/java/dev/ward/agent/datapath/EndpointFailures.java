package dev.ward.agent.datapath;

import dev.ward.bpf.datapath.EndpointDatapathException;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Why each endpoint was last failed closed, as the kernel's failure said it: the kernel's endpoints map holds only
 * the lock bits, so without this an operator sees that a pod's traffic is dropped but not why. Written by the
 * datapath's thread, read by the status report's.
 */
public final class EndpointFailures {
    private final Map<String, String> reasons = new ConcurrentHashMap<>();

    /** Records {@code e}'s endpoint as failed for {@code reason} (a {@code ward_datapath_endpoint_failures} label). */
    void failed(EndpointDatapathException e, String reason) {
        reasons.put(e.endpoint(), reason + ": " + e.getMessage());
    }

    /** The last failure of {@code endpoint}, if it had one since the agent started. */
    public Optional<String> reasonFor(String endpoint) {
        return Optional.ofNullable(reasons.get(endpoint));
    }

    /** Forgets the failures of endpoints no longer failed closed: a repaired endpoint's next lock has a new cause. */
    void keepOnly(Set<String> locked) {
        reasons.keySet().retainAll(locked);
    }
}
