package dev.ward.agent.identity;

import dev.ward.pki.ClusterTrust;

/**
 * Told about changes to the node's identity material. Called on the agent's own thread, in order; keep it short
 * (hand heavy work to your own executor).
 */
public interface IdentityListener {
    /** A new bundle or CRL was published (for example a peer was revoked): re-verify peers against it. */
    default void trustChanged(ClusterTrust trust) {}

    /** The node's own SVID was replaced (bootstrap, renewal). */
    default void svidChanged(NodeSvid svid) {}

    /** The published CRL lists this node's own SVID: the node has been revoked. */
    default void svidRevoked(NodeSvid svid) {}
}
