package dev.ward.policy.identity;

import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Cidr;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Node-local identities for address prefixes: the CIDRs named by policies and the addresses the DNS proxy learned
 * for {@code toFQDNs} names. They never leave the node (the datapath maps addresses to them by longest prefix), so
 * they need no store; bit 24 keeps them apart from cluster identities. Reference-counted: a prefix's identity goes
 * when the last policy or DNS answer using it does.
 */
public final class LocalIdentityAllocator {
    private record Entry(Identity identity, int users) {}

    private final Map<Cidr, Entry> byPrefix = new HashMap<>();
    private final TreeSet<Integer> free = new TreeSet<>();
    private int next = 1;

    /** The identity for {@code prefix}, holding one more use; {@code created} tells whether it is new. */
    public synchronized Identity acquire(Cidr prefix) {
        Entry e = byPrefix.get(prefix);
        if (e != null) {
            byPrefix.put(prefix, new Entry(e.identity, e.users + 1));
            return e.identity;
        }
        int n = free.isEmpty() ? next++ : free.pollFirst();
        if (n > IdentityNumbers.MAX_NODE_LOCAL) throw new IllegalStateException("node-local identity space is full");
        Identity id = new Identity(IdentityNumbers.NODE_LOCAL_FLAG | n, labelsFor(prefix), prefix, Set.of());
        byPrefix.put(prefix, new Entry(id, 1));
        return id;
    }

    /** Gives back one use; returns true when the identity is gone. */
    public synchronized boolean release(Cidr prefix) {
        Entry e = byPrefix.get(prefix);
        if (e == null) throw new IllegalStateException("no local identity for " + prefix);
        if (e.users > 1) {
            byPrefix.put(prefix, new Entry(e.identity, e.users - 1));
            return false;
        }
        byPrefix.remove(prefix);
        free.add(e.identity.id() & IdentityNumbers.MAX_NODE_LOCAL);
        return true;
    }

    public synchronized Identity get(Cidr prefix) {
        Entry e = byPrefix.get(prefix);
        return e == null ? null : e.identity;
    }

    /** Replaces the stored identity for its prefix (the DNS names it carries changed). */
    public synchronized void update(Identity identity) {
        Entry e = byPrefix.get(identity.prefix());
        if (e == null || e.identity.id() != identity.id()) throw new IllegalStateException("unknown local identity " + identity);
        byPrefix.put(identity.prefix(), new Entry(identity, e.users));
    }

    /** CIDR identities are outside the cluster: they carry {@code reserved:world}, as Cilium's do. */
    static LabelSet labelsFor(Cidr prefix) {
        return LabelSet.of(Label.reserved("world"), new Label(LabelSource.CIDR, prefix.toString(), ""));
    }
}
