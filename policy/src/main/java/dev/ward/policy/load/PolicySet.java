package dev.ward.policy.load;

import dev.ward.policy.model.Policy;
import dev.ward.policy.model.ServiceDefinition;

import java.util.List;
import java.util.Map;

/**
 * Everything an engine is filled from: the valid policies and services, and the identity numbers the cluster's
 * store has allocated (label key by number; empty when the policies come from files).
 *
 * @param skipped one line per invalid object, naming it and what is wrong; the valid ones still apply
 */
public record PolicySet(List<Policy> policies, List<ServiceDefinition> services, Map<Integer, String> storedIdentities,
                        List<String> skipped) {
    public PolicySet {
        policies = List.copyOf(policies);
        services = List.copyOf(services);
        storedIdentities = Map.copyOf(storedIdentities);
        skipped = List.copyOf(skipped);
    }

    public static PolicySet of(List<Policy> policies, List<ServiceDefinition> services) {
        return new PolicySet(policies, services, Map.of(), List.of());
    }
}
