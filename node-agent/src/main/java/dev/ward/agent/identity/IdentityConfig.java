package dev.ward.agent.identity;

/**
 * How the node gets and keeps its identity.
 *
 * @param joinToken the one-time token of clusters without Kubernetes; null in Kubernetes, or when the state directory
 *                  holds a valid SVID already
 */
public record IdentityConfig(AgentSettings settings, String joinToken) {}
