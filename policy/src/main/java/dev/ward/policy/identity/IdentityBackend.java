package dev.ward.policy.identity;

import java.util.Map;
import java.util.Optional;

/**
 * What identity allocation needs from a shared store. Every mutating operation is atomic against concurrent callers
 * on other nodes, using the store's own optimistic concurrency (etcd transactions comparing revisions, Kubernetes
 * updates guarded by resourceVersion); the allocation logic in {@link ClusterIdentityAllocator} builds on these
 * guarantees and never on timing.
 *
 * <p>A key is the canonical text of an identity label set.
 */
public interface IdentityBackend extends AutoCloseable {

    /** The outcome of {@link #claim}. */
    sealed interface Claim {
        record Claimed() implements Claim {}

        /** Another key holds the id. */
        record IdTaken() implements Claim {}

        /** The key already has an id (allocated concurrently by another node). */
        record KeyTaken(int existingId) implements Claim {}
    }

    /** Thrown by {@link #addReference} when the id no longer stands for the key (collected or never claimed). */
    final class IdentityGoneException extends Exception {
        public IdentityGoneException(String message) {
            super(message);
        }
    }

    /** The id stored for {@code key}, if the key is allocated. */
    Optional<Integer> idForKey(String key);

    /** Every allocated id and its key. */
    Map<Integer, String> allocated();

    /** Atomically makes {@code id} stand for {@code key}, only if neither is allocated. */
    Claim claim(int id, String key);

    /**
     * Records that {@code node} uses {@code id}, only if {@code id} still stands for {@code key}; atomic against
     * {@link #deleteIfUnreferenced}, so a collected id is never handed out.
     */
    void addReference(int id, String key, String node) throws IdentityGoneException;

    void removeReference(int id, String node);

    /** The nodes that reference {@code id}. */
    java.util.Set<String> references(int id);

    /** Atomically deletes {@code id} and its key if no node references it; false if referenced or changed meanwhile. */
    boolean deleteIfUnreferenced(int id);

    @Override
    default void close() {}
}
