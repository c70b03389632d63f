package dev.ward.agent.encryption;

import java.util.Set;

/** The SAs and policies a node wants in its kernel. */
public record Dataplane(Set<PeerSa> sas, Set<DataplanePolicy> policies) {
    public Dataplane {
        sas = Set.copyOf(sas);
        policies = Set.copyOf(policies);
    }

    /** What the kernel holds of it: the SAs without their mesh identity. */
    public KernelDataplane inKernel() {
        return new KernelDataplane(sas.stream().map(PeerSa::installed).collect(java.util.stream.Collectors.toSet()), policies);
    }
}
