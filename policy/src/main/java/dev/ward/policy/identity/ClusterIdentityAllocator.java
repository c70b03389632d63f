package dev.ward.policy.identity;

import dev.ward.policy.label.LabelSet;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns identity label sets into cluster-wide numeric identities through a shared {@link IdentityBackend}. Every
 * node that asks for the same labels gets the same number, because the store's key-to-id mapping is claimed
 * atomically; a node counts its own users and holds one store reference while it has any; identities nobody
 * references are collected by {@link IdentityGarbageCollector}.
 *
 * <p>Candidate ids are probed from a position derived from the key's hash, so allocators racing for different
 * label sets rarely try the same id.
 */
public final class ClusterIdentityAllocator {
    /** Raised when the store keeps refusing (contention far beyond normal, or the id space is full). */
    public static final class AllocationException extends RuntimeException {
        public AllocationException(String message) {
            super(message);
        }
    }

    private static final int MAX_ATTEMPTS = 256;
    private static final int RANGE = IdentityNumbers.MAX_CLUSTER_LOCAL - IdentityNumbers.MIN_CLUSTER_LOCAL + 1;

    private record Held(int id, LabelSet labels, int users) {}

    private final IdentityBackend backend;
    private final String node;
    private final int clusterId;
    private final IdentityLabelFilter filter;
    private final Map<String, Held> held = new HashMap<>();
    private Set<Integer> knownTaken = Set.of();

    public ClusterIdentityAllocator(IdentityBackend backend, String node, int clusterId, IdentityLabelFilter filter) {
        if (clusterId < 0 || clusterId > IdentityNumbers.MAX_CLUSTER_ID) {
            throw new IllegalArgumentException("cluster id must be 0-255, not " + clusterId);
        }
        this.backend = backend;
        this.node = node;
        this.clusterId = clusterId;
        this.filter = filter;
    }

    /** The identity for a workload's labels (filtered to identity labels), holding one more use of it. */
    public synchronized Identity acquire(LabelSet workloadLabels) {
        LabelSet labels = filter.filter(workloadLabels);
        ReservedIdentity reserved = reservedFor(labels);
        if (reserved != null) return reserved.identity();
        String key = labels.toString();
        Held h = held.get(key);
        if (h != null) {
            held.put(key, new Held(h.id, h.labels, h.users + 1));
            return Identity.of(h.id, labels);
        }
        int id = allocate(key);
        held.put(key, new Held(id, labels, 1));
        return Identity.of(id, labels);
    }

    /** Gives back one use; the node's store reference goes when the last use does. */
    public synchronized void release(Identity identity) {
        if (IdentityNumbers.isReserved(identity.id())) return;
        String key = identity.labels().toString();
        Held h = held.get(key);
        if (h == null || h.id != identity.id()) {
            throw new IllegalStateException("identity " + identity.id() + " is not held by " + node);
        }
        if (h.users > 1) {
            held.put(key, new Held(h.id, h.labels, h.users - 1));
            return;
        }
        held.remove(key);
        backend.removeReference(h.id, node);
    }

    /** Labels the store holds for {@code id}, parsed back (for nodes learning identities allocated elsewhere). */
    public Optional<String> keyOf(int id) {
        return Optional.ofNullable(backend.allocated().get(id));
    }

    public synchronized int heldCount() {
        return held.size();
    }

    private static ReservedIdentity reservedFor(LabelSet labels) {
        if (labels.isEmpty()) return ReservedIdentity.INIT;
        ReservedIdentity r = ReservedIdentity.forLabels(labels);
        if (r != null) return r;
        // A host endpoint carries node labels too, but is always the host identity on its own node.
        return labels.value("reserved", "host") != null ? ReservedIdentity.HOST : null;
    }

    private int allocate(String key) {
        int start = Math.floorMod(key.hashCode(), RANGE);
        int probe = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Integer> existing = backend.idForKey(key);
            if (existing.isPresent()) {
                if (reference(existing.get(), key)) return existing.get();
                continue;
            }
            int candidate = -1;
            while (probe < RANGE) {
                int local = IdentityNumbers.MIN_CLUSTER_LOCAL + (start + probe) % RANGE;
                probe++;
                int id = IdentityNumbers.clusterScoped(clusterId, local);
                if (!knownTaken.contains(id)) {
                    candidate = id;
                    break;
                }
            }
            if (candidate < 0) {
                knownTaken = backend.allocated().keySet();
                probe = 0;
                if (knownTaken.size() >= RANGE) throw new AllocationException("cluster identity space is full");
                continue;
            }
            switch (backend.claim(candidate, key)) {
                case IdentityBackend.Claim.Claimed c -> {
                    if (reference(candidate, key)) return candidate;
                }
                case IdentityBackend.Claim.IdTaken t -> knownTaken = backend.allocated().keySet();
                case IdentityBackend.Claim.KeyTaken k -> {
                    if (reference(k.existingId(), key)) return k.existingId();
                }
            }
        }
        throw new AllocationException("could not allocate an identity for " + key + " after " + MAX_ATTEMPTS + " attempts");
    }

    private boolean reference(int id, String key) {
        try {
            backend.addReference(id, key, node);
            return true;
        } catch (IdentityBackend.IdentityGoneException e) {
            // Collected between lookup and reference: look it up again.
            return false;
        }
    }
}
