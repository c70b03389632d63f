package dev.ward.agent.policy;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.load.PolicyDocument;
import dev.ward.policy.load.PolicyLoader;
import dev.ward.policy.load.PolicySet;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.ServiceDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The store's policy objects in the engine: each object is read with the one policy loader, and what it defines
 * (policies, services) replaces what its previous version defined; an object that is gone takes its policies with it.
 * An invalid object is logged naming it and the problem; the policies it defined before stay, as a bad edit must
 * not open what the last good version closed. Engine thread only (its owner offers it, read there, to the DNS proxy).
 */
public final class PolicyDocuments {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyDocuments.class);

    private record Defined(Set<PolicyKey> policies, Set<String> services, String text) {}

    private final PolicyLoader loader;
    private final VersionedKeys versions = new VersionedKeys();
    private final Map<String, Defined> byObject = new HashMap<>();

    PolicyDocuments(PolicyLoader loader) {
        this.loader = loader;
    }

    /** The store's policy objects the engine holds now, by key, as read (text): what the DNS proxy's snapshot carries. */
    public Map<String, String> texts() {
        Map<String, String> out = new java.util.TreeMap<>();
        byObject.forEach((key, d) -> out.put(key, d.text()));
        return out;
    }

    /** Applies one change; every engine delta it makes goes to {@code deltas}, in order. */
    void apply(StoreChange change, PolicyEngine engine, Consumer<EngineDelta> deltas) {
        if (!versions.advance(change)) return;
        Defined before = byObject.getOrDefault(change.key(), new Defined(Set.of(), Set.of(), null));
        if (change.deleted()) {
            byObject.remove(change.key());
            for (PolicyKey k : before.policies()) deltas.accept(engine.deletePolicy(k));
            for (String s : before.services()) deltas.accept(removeService(engine, s));
            return;
        }
        if (change.value().equals(before.text())) return;
        PolicySet set = loader.read(List.of(new PolicyDocument("store:" + change.key(), change.value())), Map.of());
        if (!set.skipped().isEmpty()) {
            set.skipped().forEach(s -> LOG.warn("policy object {}: {}", change.key(), s));
            if (set.policies().isEmpty() && set.services().isEmpty()) {
                LOG.warn("policy object {} defines nothing valid; what its last valid version defined stays in force", change.key());
                return;
            }
        }
        Set<PolicyKey> policies = new LinkedHashSet<>();
        Set<String> services = new LinkedHashSet<>();
        for (ServiceDefinition s : set.services()) {
            services.add(s.namespace() + "/" + s.name());
            deltas.accept(engine.upsertService(s));
        }
        for (Policy p : set.policies()) {
            policies.add(p.key());
            EngineDelta d = engine.upsertPolicy(p);
            if (!d.accepted()) LOG.warn("policy object {}: {}", change.key(), String.join("; ", d.rejected()));
            deltas.accept(d);
        }
        for (PolicyKey k : before.policies()) if (!policies.contains(k)) deltas.accept(engine.deletePolicy(k));
        for (String s : before.services()) if (!services.contains(s)) deltas.accept(removeService(engine, s));
        byObject.put(change.key(), new Defined(policies, services, change.value()));
    }

    private static EngineDelta removeService(PolicyEngine engine, String namespacedName) {
        int slash = namespacedName.indexOf('/');
        return engine.removeService(namespacedName.substring(0, slash), namespacedName.substring(slash + 1));
    }
}
