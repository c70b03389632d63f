package dev.ward.policy.compute;

import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.model.Peer;

import java.util.Set;

/**
 * A peer together with the {@code fromRequires}/{@code toRequires} constraints in force for the endpoint: the
 * unit the selector cache resolves to identities. Equal selections from different rules share one cache entry.
 */
record Selection(Peer peer, Set<LabelSelector> requires) {
    Selection {
        requires = Set.copyOf(requires);
    }

    static Selection of(Peer peer) {
        return new Selection(peer, Set.of());
    }

    /** Matches every identity, including ones not known yet: kept out of the cache, written as "any" in tables. */
    boolean wildcard() {
        return peer instanceof Peer.Any && requires.isEmpty();
    }

    @Override
    public String toString() {
        return requires.isEmpty() ? peer.toString() : peer + " requiring " + requires;
    }
}
