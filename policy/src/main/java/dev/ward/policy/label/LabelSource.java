package dev.ward.policy.label;

import java.util.Set;

/** The label sources Ward knows, as Cilium names them. */
public final class LabelSource {
    /** Pod and namespace labels from the Kubernetes API. */
    public static final String K8S = "k8s";
    /** Labels of the reserved identities (host, world, health, ...). */
    public static final String RESERVED = "reserved";
    /** Only in selectors: matches a key from any source. */
    public static final String ANY = "any";
    /** Container runtime labels. */
    public static final String CONTAINER = "container";
    /** Labels with no known origin. */
    public static final String UNSPEC = "unspec";
    /** Labels of node-local identities allocated for CIDR prefixes. */
    public static final String CIDR = "cidr";
    /** Labels of node-local identities allocated for DNS names learned by the DNS proxy. */
    public static final String FQDN = "fqdn";

    static final Set<String> KNOWN = Set.of(K8S, RESERVED, ANY, CONTAINER, UNSPEC, CIDR, FQDN);

    private LabelSource() {}

    public static boolean isKnown(String source) {
        return KNOWN.contains(source);
    }
}
