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
import java.util.Comparator;
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

    public List<NodeRecord> list() {
        return store.nodes().list().stream().sorted(Comparator.comparing(NodeRecord::node)).toList();
    }

    /** A one-time token that lets {@code node} bootstrap once within {@code ttl}. The token is shown only here. */
    public CreatedToken createToken(String node, Duration ttl) {
        NodeNames.require(node, "node name");
        if (ttl.isNegative() || ttl.isZero()) throw new IllegalArgumentException("token TTL must be positive, got " + ttl);
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
        Instant now = clock.instant();
        NodeRecord record = NodeRecords.update(store.nodes(), node, r -> r.revoke(now));
        store.joinTokens().ifPresent(t -> t.invalidateAll(node, now));
        long sequence = publication.publish().sequence();
        return new Revoked(node, record.live(now), sequence);
    }

    /** Lets a revoked node enrol again (its revoked SVIDs stay in the CRL until they expire). */
    public NodeRecord readmit(String node) {
        NodeNames.require(node, "node name");
        if (store.nodes().get(node).isEmpty()) throw new IllegalArgumentException("node " + node + " is not known to Ward");
        return NodeRecords.update(store.nodes(), node, NodeRecord::readmit);
    }
}
