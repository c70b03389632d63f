package dev.ward.lab;

import java.util.List;
import java.util.Map;

/**
 * A running Ward cluster as the policy scenarios drive it, whatever it runs on: the lab's network namespaces (pods
 * wired through the CNI plugins, policies written to its etcd: {@link StarWars}) or a real Kubernetes cluster (pods
 * pinned to nodes, policies applied with kubectl: the kind-tests module). {@link StarWarsRule1Scenario} is written
 * once against this, so the lab and the kind suite check rule1 the same way.
 */
public interface PolicyCluster<N extends ClusterNode<P>, P extends ClusterPod> {
    /** The namespace of the pods it creates and of the policies it applies: its endpoints are NAMESPACE/POD. */
    String namespace();

    /**
     * Creates pod {@code name} with {@code labels} on {@code node}, serving TCP echo on {@code tcpEchoPorts} (none: a
     * client), and returns once it runs, its services listening: for a pod on a node with an agent, once Ward's CNI
     * plugin returned, i.e. its policy is enforced.
     */
    P createPod(N node, String name, Map<String, String> labels, List<Integer> tcpEchoPorts) throws Exception;

    /** Applies {@code policy}'s document, as printed, in {@link #namespace()}; returns {@link System#nanoTime()} when it was sent. */
    long apply(LabPolicies.Policy policy) throws Exception;

    /** Deletes {@code policy}; returns when the deletion was sent, as {@link #apply}. */
    long delete(LabPolicies.Policy policy) throws Exception;

    /** One TCP connection attempt from {@code from} to {@code to}'s {@code port}. */
    PodTcp.Attempt connect(P from, P to, int port, int timeoutMillis);

    /** {@code wardctl monitor ARGS} against {@code node}'s agent (its API socket), to completion. */
    WardJvm.Outcome monitor(N node, List<String> args) throws Exception;
}
