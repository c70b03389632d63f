package dev.ward.keyd.store;

import dev.ward.store.Versioned;
import dev.ward.keyd.NodeRecord;

import java.util.List;
import java.util.Optional;

/** keyd's per-node records: issued serials and revocation. */
public interface NodeRepository {
    Optional<Versioned<NodeRecord>> get(String node);

    /** Every record; a record that does not read is reported in the listing, never dropped silently. */
    NodeListing list();

    /**
     * Writes the record if the stored one is still at {@code expectedVersion} ({@code null}: none may exist);
     * false if it changed meanwhile.
     */
    boolean put(NodeRecord record, String expectedVersion);

    /** Lists the records once and follows their changes; {@code changed} runs after each change (and the listing). */
    FollowedNodeRecords follow(Runnable changed);
}
