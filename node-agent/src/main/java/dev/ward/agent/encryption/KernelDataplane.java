package dev.ward.agent.encryption;

import java.util.Collection;
import java.util.Set;

/** A node's encryption dataplane as the kernel holds it: Ward's SAs (without mesh identity) and policies. */
public record KernelDataplane(Set<KernelSa> sas, Set<DataplanePolicy> policies) {
    public KernelDataplane {
        sas = Set.copyOf(sas);
        policies = Set.copyOf(policies);
    }

    public static KernelDataplane of(Collection<KernelSa> sas, Collection<DataplanePolicy> policies) {
        return new KernelDataplane(Set.copyOf(sas), Set.copyOf(policies));
    }

    @Override
    public String toString() {
        return sas.size() + " SAs, " + policies.size() + " policies";
    }
}
