package dev.ward.agent.node;

/**
 * Whether this node is still a member of the cluster. Asked only when something removed the node's own records:
 * an agent whose Node was deleted must not publish itself again while it waits to be stopped.
 */
@FunctionalInterface
public interface NodePresence {
    /** Without Kubernetes there is no Node object: an operator who removes a node stops its agent first. */
    NodePresence ALWAYS = () -> true;

    boolean inCluster();
}
