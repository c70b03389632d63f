package dev.ward.agent.policy;

import dev.ward.policy.identity.IdentityNumbers;

/**
 * How the node computes policy.
 *
 * @param clusterName the cluster's name: the {@code cluster} entity and {@code io.cilium.k8s.policy.cluster} label
 * @param clusterId   0-255, in bits 16-23 of the identities this cluster allocates (distinct per cluster of a mesh)
 */
public record PolicyConfig(String clusterName, int clusterId) {
    public static final PolicyConfig DEFAULT = new PolicyConfig("default", 0);

    public PolicyConfig {
        if (clusterName == null || !clusterName.matches("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?")) {
            throw new IllegalArgumentException("cluster name '" + clusterName + "' must be 1-32 lower-case letters, digits or '-'");
        }
        if (clusterId < 0 || clusterId > IdentityNumbers.MAX_CLUSTER_ID) {
            throw new IllegalArgumentException("cluster id must be 0-" + IdentityNumbers.MAX_CLUSTER_ID + ", not " + clusterId);
        }
    }
}
