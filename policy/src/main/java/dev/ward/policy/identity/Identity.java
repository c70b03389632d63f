package dev.ward.policy.identity;

import dev.ward.policy.label.LabelSet;
import dev.ward.policy.model.Cidr;

import java.util.Set;
import java.util.TreeSet;

/**
 * A numeric security identity and what it stands for: its identity labels, and for node-local identities the
 * address prefix it covers and the DNS names the DNS proxy has seen resolve to that prefix.
 */
public record Identity(int id, LabelSet labels, Cidr prefix, Set<String> fqdnNames) {
    public Identity {
        fqdnNames = Set.copyOf(new TreeSet<>(fqdnNames));
    }

    public static Identity of(int id, LabelSet labels) {
        return new Identity(id, labels, null, Set.of());
    }

    public Identity withFqdnNames(Set<String> names) {
        return new Identity(id, labels, prefix, names);
    }

    @Override
    public String toString() {
        return IdentityNumbers.describe(id) + " " + labels + (fqdnNames.isEmpty() ? "" : " names=" + fqdnNames);
    }
}
