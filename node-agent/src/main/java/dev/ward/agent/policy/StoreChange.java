package dev.ward.agent.policy;

/**
 * One change a store feed saw, versioned so the engine applies each key's changes only forwards: a listing taken
 * while a watch already runs may deliver an older state of a key after a newer one, and is then ignored.
 *
 * @param version the store's version of the change (etcd's revision; a feed's own sequence for Kubernetes informers,
 *                whose events come in order); 0 when the store gives none (a directory store's deletions), which is
 *                applied in arrival order
 * @param value   the new content, or null for a deletion
 */
public record StoreChange(String key, long version, String value) {
    public boolean deleted() {
        return value == null;
    }
}
