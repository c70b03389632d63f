package dev.ward.policy.load;

import dev.ward.policy.compute.NamedPort;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.ClusterIdentityAllocator;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityLabelFilter;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.InMemoryIdentityBackend;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.ServiceDefinition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link PolicyEngine} filled from a {@link PolicySet}, with the allocator that numbers further workloads. The
 * store's identities are known to both, so a workload the store has numbered gets that number here too, and the
 * others get numbers the store has not used. {@code wardctl policy get} and {@code wardctl policy trace} both start
 * from this, so they number every identity alike.
 */
public final class LoadedEngine {
    /** The node name under which this process holds identities it numbers itself (never written to a store). */
    private static final String LOCAL_HOLDER = "wardctl";

    private final PolicyEngine engine;
    private final ClusterIdentityAllocator allocator;
    private final List<String> rejected;

    private LoadedEngine(PolicyEngine engine, ClusterIdentityAllocator allocator, List<String> rejected) {
        this.engine = engine;
        this.allocator = allocator;
        this.rejected = List.copyOf(rejected);
    }

    /**
     * @param cluster    the cluster name (the 'cluster' entity, io.cilium.k8s.policy.cluster)
     * @param namedPorts container port names of the cluster, for egress rules that name ports
     */
    public static LoadedEngine of(PolicySet set, String cluster, Map<String, Set<NamedPort>> namedPorts) {
        PolicyEngine engine = new PolicyEngine(cluster);
        for (ServiceDefinition s : set.services()) engine.upsertService(s);
        List<String> rejected = new ArrayList<>();
        for (Policy p : set.policies()) rejected.addAll(engine.upsertPolicy(p).rejected());
        engine.setClusterNamedPorts(namedPorts);
        InMemoryIdentityBackend known = new InMemoryIdentityBackend();
        for (Map.Entry<Integer, String> e : set.storedIdentities().entrySet()) {
            known.claim(e.getKey(), e.getValue());
            engine.upsertIdentity(Identity.of(e.getKey(), LabelSet.parse(e.getValue(), LabelSource.K8S)));
        }
        return new LoadedEngine(engine, new ClusterIdentityAllocator(known, LOCAL_HOLDER, 0, IdentityLabelFilter.DEFAULT), rejected);
    }

    public PolicyEngine engine() {
        return engine;
    }

    /** Rules the engine refused, one line each (for example L7 rules of two types on one port). */
    public List<String> rejected() {
        return rejected;
    }

    /** The identity of a workload's complete labels; a cluster identity is also made known to the engine. */
    public Identity identityOf(LabelSet workloadLabels) {
        Identity id = allocator.acquire(workloadLabels);
        if (!IdentityNumbers.isReserved(id.id())) engine.upsertIdentity(Identity.of(id.id(), id.labels()));
        return id;
    }
}
