package dev.ward.keyd;

import dev.ward.keyd.store.NodeRepository;
import dev.ward.store.Versioned;

import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Compare-and-set updates of one node record, retried on conflicts. */
public final class NodeRecords {
    private static final int ATTEMPTS = 10;

    private NodeRecords() {}

    /**
     * Applies {@code change} to the node's record (an empty record if none exists) until the write wins.
     * Returns the record as written.
     */
    public static NodeRecord update(NodeRepository nodes, String node, UnaryOperator<NodeRecord> change) {
        for (int i = 0; i < ATTEMPTS; i++) {
            Optional<Versioned<NodeRecord>> current = nodes.get(node);
            NodeRecord next = change.apply(current.map(Versioned::value).orElse(NodeRecord.empty(node)));
            if (nodes.put(next, current.map(Versioned::version).orElse(null))) return next;
        }
        throw new IllegalStateException("could not update the record of node " + node + ": " + ATTEMPTS + " attempts lost to concurrent writers");
    }

    /**
     * Records an issued SVID unless the node was revoked meanwhile. The compare-and-set serialises this with
     * {@code wardctl node revoke}: either the SVID is recorded before the revocation (and revoked with the node) or
     * the revocation is seen here and the SVID is discarded unpublished.
     */
    public static boolean recordIssued(NodeRepository nodes, String node, IssuedSvid svid, Instant now) {
        for (int i = 0; i < ATTEMPTS; i++) {
            Optional<Versioned<NodeRecord>> current = nodes.get(node);
            NodeRecord record = current.map(Versioned::value).orElse(NodeRecord.empty(node));
            if (record.revoked()) return false;
            if (nodes.put(record.withIssued(svid, now), current.map(Versioned::version).orElse(null))) return true;
        }
        throw new IllegalStateException("could not record the SVID of node " + node + ": " + ATTEMPTS + " attempts lost to concurrent writers");
    }
}
