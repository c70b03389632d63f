package dev.ward.policy.parse;

import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.label.SelectorKey;

/**
 * Cilium's namespace implication. A namespaced policy applies to endpoints of its own namespace, and its peer
 * selectors mean "in this namespace" unless they name a namespace (or namespace labels) themselves; a cluster-wide
 * policy's peer selectors mean "any pod", never the reserved identities, unless they say otherwise.
 */
record NamespaceScope(String namespace, boolean scoped) {
    static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels.";
    static final SelectorKey POD_NAMESPACE_KEY = new SelectorKey(LabelSource.K8S, POD_NAMESPACE);

    /** Policies that are not Kubernetes objects (bare rule lists) have no namespace and imply nothing. */
    static NamespaceScope none() {
        return new NamespaceScope("", false);
    }

    static NamespaceScope namespaced(String namespace) {
        return new NamespaceScope(namespace, true);
    }

    static NamespaceScope clusterwide() {
        return new NamespaceScope("", true);
    }

    boolean clusterWide() {
        return scoped && namespace.isEmpty();
    }

    /** The endpointSelector of a namespaced policy always selects in the policy's namespace. */
    LabelSelector subject(LabelSelector selector, String path, Problems p) {
        if (!scoped || namespace.isEmpty()) return selector;
        java.util.List<Requirement> kept = new java.util.ArrayList<>();
        for (Requirement r : selector.requirements()) {
            boolean nsKey = r.key().key().equals(POD_NAMESPACE)
                    && (r.key().source().equals(LabelSource.K8S) || r.key().anySource());
            if (nsKey) {
                if (!(r.operator() == Requirement.Operator.IN && r.values().equals(java.util.Set.of(namespace)))) {
                    p.warn(path, "endpointSelector always applies in the policy's namespace '" + namespace
                            + "'; the namespace term " + r + " is replaced");
                }
                continue;
            }
            kept.add(r);
        }
        return LabelSelector.of(kept).and(Requirement.equalTo(POD_NAMESPACE_KEY, namespace));
    }

    /**
     * A peer selector ({@code fromEndpoints}, {@code toEndpoints}, {@code *Requires}) after implication.
     *
     * @param subjectSelectsInit the rule's endpointSelector names {@code reserved:init}: initializing pods have no
     *                           namespace label, so a cluster-wide policy must not require one of their peers
     */
    LabelSelector peer(LabelSelector selector, boolean requires, boolean subjectSelectsInit) {
        if (!scoped) return selector;
        if (!requires && selector.namesSource(LabelSource.RESERVED)) return selector;
        if (selector.namesKey(LabelSource.K8S, POD_NAMESPACE) || selector.namesKey(LabelSource.ANY, POD_NAMESPACE)) {
            return selector;
        }
        if (namespace.isEmpty()) {
            return subjectSelectsInit ? selector : selector.and(Requirement.exists(POD_NAMESPACE_KEY));
        }
        if (selector.namesKeyWithPrefix(LabelSource.K8S, NAMESPACE_LABELS_PREFIX)
                || selector.namesKeyWithPrefix(LabelSource.ANY, NAMESPACE_LABELS_PREFIX)) {
            return selector;
        }
        return selector.and(Requirement.equalTo(POD_NAMESPACE_KEY, namespace));
    }
}
