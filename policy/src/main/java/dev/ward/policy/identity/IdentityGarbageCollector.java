package dev.ward.policy.identity;

import java.util.HashSet;
import java.util.Set;

/**
 * Deletes cluster identities that no node references. An identity must be found unreferenced by two consecutive
 * runs before it goes: an agent that restarts drops its references and takes them again within one interval, and
 * its pods must not change identity meanwhile. Safe to run on any number of nodes at once: the store's
 * {@link IdentityBackend#deleteIfUnreferenced} refuses an identity someone referenced in between.
 */
public final class IdentityGarbageCollector {
    private final IdentityBackend backend;
    private final int clusterId;
    private Set<Integer> unreferencedLastRun = Set.of();

    public IdentityGarbageCollector(IdentityBackend backend, int clusterId) {
        this.backend = backend;
        this.clusterId = clusterId;
    }

    /** One collection pass; returns how many identities were deleted. */
    public synchronized int run() {
        Set<Integer> unreferenced = new HashSet<>();
        int deleted = 0;
        for (int id : backend.allocated().keySet()) {
            if (IdentityNumbers.clusterId(id) != clusterId || !backend.references(id).isEmpty()) continue;
            if (unreferencedLastRun.contains(id)) {
                if (backend.deleteIfUnreferenced(id)) deleted++;
            } else {
                unreferenced.add(id);
            }
        }
        unreferencedLastRun = unreferenced;
        return deleted;
    }
}
