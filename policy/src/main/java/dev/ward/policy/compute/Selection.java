package dev.ward.policy.compute;

import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.model.Peer;

import java.util.Objects;
import java.util.Set;

/**
 * A peer together with the {@code fromRequires}/{@code toRequires} constraints in force for the endpoint: the
 * unit the selector cache resolves to identities. Equal selections from different rules share one cache entry.
 * The hash is computed once: selections are map keys looked up for every identity of every table rebuild.
 */
final class Selection {
    private final Peer peer;
    private final Set<LabelSelector> requires;
    private final int hash;

    Selection(Peer peer, Set<LabelSelector> requires) {
        this.peer = Objects.requireNonNull(peer);
        this.requires = Set.copyOf(requires);
        this.hash = peer.hashCode() * 31 + this.requires.hashCode();
    }

    static Selection of(Peer peer) {
        return new Selection(peer, Set.of());
    }

    Peer peer() {
        return peer;
    }

    Set<LabelSelector> requires() {
        return requires;
    }

    /** Matches every identity, including ones not known yet: kept out of the cache, written as "any" in tables. */
    boolean wildcard() {
        return peer instanceof Peer.Any && requires.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof Selection s && hash == s.hash && peer.equals(s.peer) && requires.equals(s.requires);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return requires.isEmpty() ? peer.toString() : peer + " requiring " + requires;
    }
}
