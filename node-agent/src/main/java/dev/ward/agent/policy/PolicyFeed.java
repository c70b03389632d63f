package dev.ward.agent.policy;

/**
 * Follows what the cluster's store holds for policy: the policy objects (as the text the policy parser reads) and the
 * identity numbers nodes have allocated. A feed is an informer or a watch, never a periodic re-list.
 */
public interface PolicyFeed extends AutoCloseable {
    interface Listener {
        /** A policy object changed; its key names it ({@code kind/namespace/name}). */
        void policy(StoreChange change);

        /** An identity number was allocated ({@code value}: its canonical labels) or collected; keyed by the number. */
        void identity(StoreChange change);
    }

    /**
     * Starts following and returns once the listener was given everything the store holds now (later changes keep
     * coming on the feed's own threads). Fails if the store cannot be read.
     */
    void start(Listener listener) throws Exception;

    String describe();

    @Override
    void close();
}
