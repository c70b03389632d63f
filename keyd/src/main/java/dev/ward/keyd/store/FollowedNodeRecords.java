package dev.ward.keyd.store;

/**
 * The node records as a daemon follows them: listed once, then kept current by a watch (an informer on
 * Kubernetes), so checks that need all of them again and again read memory, not the store.
 */
public interface FollowedNodeRecords extends AutoCloseable {
    /** The records as last seen. */
    NodeListing listing();

    @Override
    void close();
}
