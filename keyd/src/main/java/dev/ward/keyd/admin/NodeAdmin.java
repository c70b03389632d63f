package dev.ward.keyd.admin;

import dev.ward.keyd.IssuedSvid;
import dev.ward.keyd.JoinToken;
import dev.ward.keyd.JoinTokens;
import dev.ward.keyd.NodeRecord;
import dev.ward.keyd.NodeRecords;
import dev.ward.keyd.TrustPublication;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.JoinTokenRepository;
import dev.ward.store.Versioned;
import dev.ward.pki.NodeNames;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import dev.ward.keyd.store.NodeListing;
import java.util.List;

/** The operator's node operations: list, join tokens, revoke, readmit. */
public final class NodeAdmin {
    private final IdentityStore store;
    private final TrustPublication publication;
    private final Clock clock;

    public record CreatedToken(String node, String token, Instant expiresAt) {}

    public record Revoked(String node, List<IssuedSvid> svids, long trustSequence) {}

    public NodeAdmin(IdentityStore store, TrustPublication publication, Clock clock) {
        this.store = store;
        this.publication = publication;
        this.clock = clock;
    }

    /** Every node record, sorted by node; unreadable ones are named in the listing. */
    public NodeListing list() {
        return store.nodes().list();
    }

    /** A one-time token that lets {@code node} bootstrap once within {@code ttl}. The token is shown only here. */
    public CreatedToken createToken(String node, Duration ttl) {
        NodeNames.require(node, "node name");
        if (ttl.isNegative() || ttl.isZero()) throw new IllegalArgumentException("token TTL must be positive, got " + ttl);
        if (ttl.compareTo(JoinTokens.MAX_TTL) > 0) {
            throw new IllegalArgumentException("a join token lives at most " + JoinTokens.MAX_TTL.toDays() + "d (it admits a node once, "
                    + "and an unused one is a standing credential); got " + ttl.toDays() + "d");
        }
        JoinTokenRepository tokens = store.joinTokens().orElseThrow(() -> new IllegalStateException(
                "join tokens are for clusters without Kubernetes; in Kubernetes the agent attests with its node-bound ServiceAccount token"));
        store.nodes().get(node).map(Versioned::value).filter(NodeRecord::revoked).ifPresent(r -> {
            throw new IllegalStateException("node " + node + " is revoked; run `wardctl node readmit " + node + "` before creating a token for it");
        });
        Instant now = clock.instant();
        String token = JoinTokens.generate();
        JoinToken stored = JoinToken.issued(node, now, now.plus(ttl));
        tokens.create(JoinTokens.hash(token), stored);
        return new CreatedToken(node, token, stored.expiresAt());
    }

    /**
     * Revokes the node: its record blocks any further SVID, its unused tokens die, and every live SVID it holds
     * goes into the published CRL (which watchers see within a store round trip).
     */
    public Revoked revoke(String node) {
        NodeNames.require(node, "node name");
        boolean known = store.nodes().get(node).isPresent()
                || store.joinTokens().map(t -> !t.forNode(node).isEmpty()).orElse(false);
        if (!known) {
            // Revoking a mistyped name would write a record for a node that never existed and leave the real one trusted.
            throw new IllegalArgumentException("node " + node + " is unknown in " + store.describe()
                    + " (no record, no join token): nothing to revoke; `wardctl node list` shows the nodes");
        }
        Instant now = clock.instant();
        NodeRecord record = NodeRecords.update(store.nodes(), node, r -> r.revoke(now));
        store.joinTokens().ifPresent(t -> t.invalidateAll(node, now));
        long sequence = publication.publish().sequence();
        return new Revoked(node, record.live(now), sequence);
    }

    /** Lets a revoked node enrol again (its revoked SVIDs stay in the CRL until they expire). */
    public NodeRecord readmit(String node) {
        NodeNames.require(node, "node name");
        NodeRecord current = store.nodes().get(node).map(Versioned::value)
                .orElseThrow(() -> new IllegalArgumentException("node " + node + " is not known to Ward"));
        if (!current.revoked()) throw new IllegalStateException("node " + node + " is not revoked: nothing to readmit");
        return NodeRecords.update(store.nodes(), node, NodeRecord::readmit);
    }
}
