package dev.ward.policy.model;

/**
 * Identifies a policy object: its kind, namespace (empty for cluster-wide objects and rule lists) and name. Updating
 * a policy with the same key replaces it.
 */
public record PolicyKey(String kind, String namespace, String name) implements Comparable<PolicyKey> {
    public static final String CNP = "CiliumNetworkPolicy";
    public static final String CCNP = "CiliumClusterwideNetworkPolicy";
    public static final String KNP = "NetworkPolicy";
    /** A bare list of Cilium rules, as {@code cilium policy import} takes and as blog posts print them. */
    public static final String RULES = "CiliumRules";

    public PolicyKey {
        namespace = namespace == null ? "" : namespace;
    }

    @Override
    public int compareTo(PolicyKey o) {
        int c = kind.compareTo(o.kind);
        if (c != 0) return c;
        c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace.isEmpty() ? kind + "/" + name : kind + "/" + namespace + "/" + name;
    }
}
