package dev.ward.keyd;

import dev.ward.store.ClusterStore;
import dev.ward.keyd.store.IdentityStore;

import java.util.Map;
import java.util.function.UnaryOperator;

/** One store mode (Kubernetes, etcd, directory) as the shared identity flow tests see it. */
public interface IdentityEnvironment extends AutoCloseable {
    /** A fresh connection to the store, as a keyd replica, wardctl or an agent would open it. */
    IdentityStore connect();

    /** Makes {@code node} a member of the cluster (a Node object in Kubernetes; nothing elsewhere). */
    void addNode(String node);

    /** The store connection the agent on {@code node} uses (in Kubernetes: with that node's bound token). */
    ClusterStore agentStoreOn(String node);

    /** Rewrites the published trust documents behind Ward's back, as an attacker with store access would. */
    void tamperWithTrust(UnaryOperator<Map<String, String>> change);

    @Override
    void close();
}
