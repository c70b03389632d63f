package dev.ward.agent.encryption;

import java.util.Set;

/** The SAs and policies a node wants in its kernel. */
public record Dataplane(Set<PeerSa> sas, Set<DataplanePolicy> policies) {
    public Dataplane {
        sas = Set.copyOf(sas);
        policies = Set.copyOf(policies);
    }
}
