package dev.ward.policy.model;

import dev.ward.policy.label.LabelSelector;

import java.util.List;

/**
 * The remote side of a rule: which identities a rule section talks about. Each kind resolves to a set of numeric
 * identities in the selector cache.
 */
public sealed interface Peer {

    /** Every identity, known or not: L4-only rules, {@code toEntities: all}, a Kubernetes rule with no {@code from}. */
    record Any() implements Peer {
        @Override
        public String toString() {
            return "any";
        }
    }

    /** {@code fromEndpoints}/{@code toEndpoints}, after namespace scoping. */
    record Endpoints(LabelSelector selector) implements Peer {
        @Override
        public String toString() {
            return "endpoints" + selector;
        }
    }

    /** {@code fromNodes}/{@code toNodes}: node identities whose node labels match. */
    record Nodes(LabelSelector selector) implements Peer {
        @Override
        public String toString() {
            return "nodes" + selector;
        }
    }

    /** {@code fromCIDR}, {@code fromCIDRSet} and Kubernetes {@code ipBlock}. */
    record Cidrs(Cidr cidr, List<Cidr> except) implements Peer {
        public Cidrs {
            except = List.copyOf(except);
        }

        public boolean covers(Cidr prefix) {
            if (!cidr.contains(prefix)) return false;
            for (Cidr e : except) if (e.contains(prefix)) return false;
            return true;
        }

        @Override
        public String toString() {
            return except.isEmpty() ? "cidr:" + cidr : "cidr:" + cidr + " except " + except;
        }
    }

    record Entities(Entity entity) implements Peer {
        @Override
        public String toString() {
            return "entity:" + entity.yamlName();
        }
    }

    /** {@code toFQDNs}: the IPs the DNS proxy saw answered for matching names. */
    record Fqdn(FqdnPattern pattern) implements Peer {
        @Override
        public String toString() {
            return "fqdn:" + pattern.text();
        }
    }

    /**
     * {@code toServices}: the backends of a Kubernetes service, by name ({@code k8sService}) or by the service's own
     * labels ({@code k8sServiceSelector}). Exactly one of {@code name} and {@code serviceSelector} is set.
     */
    record Service(String namespace, String name, LabelSelector serviceSelector) implements Peer {
        @Override
        public String toString() {
            return name != null ? "service:" + namespace + "/" + name : "services" + serviceSelector
                    + (namespace == null ? "" : " in " + namespace);
        }
    }
}
