package dev.ward.keyd.store;

import dev.ward.keyd.NodeRecord;
import dev.ward.store.CorruptRecordException;

import java.util.Comparator;
import java.util.List;

/**
 * Every node record in a store: those that read, and for each that does not, why. Listing for an operator shows the
 * readable ones and names the others; deciding something for the whole cluster (the CRL, whether a CA still has
 * users) takes {@link #requireAll()}, since a record that cannot be read might be the one that matters.
 */
public record NodeListing(List<NodeRecord> readable, List<CorruptRecordException> unreadable) {
    public NodeListing {
        readable = readable.stream().sorted(Comparator.comparing(NodeRecord::node)).toList();
        unreadable = List.copyOf(unreadable);
    }

    /** All records, or the first unreadable one's exception. */
    public List<NodeRecord> requireAll() {
        if (!unreadable.isEmpty()) throw unreadable.getFirst();
        return readable;
    }
}
