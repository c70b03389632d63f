package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.LabelSource;

import java.util.Map;
import java.util.Set;

/**
 * A workload on this node that policy applies to: a pod, or the host itself (its identity carries
 * {@code reserved:host} and the node's labels). Named ports are the pod's container port names.
 */
public record LocalEndpoint(String name, Identity identity, Map<String, Set<NamedPort>> namedPorts) {
    public LocalEndpoint {
        namedPorts = Map.copyOf(namedPorts);
    }

    public LocalEndpoint(String name, Identity identity) {
        this(name, identity, Map.of());
    }

    public boolean isHost() {
        return identity.labels().value(LabelSource.RESERVED, "host") != null;
    }
}
