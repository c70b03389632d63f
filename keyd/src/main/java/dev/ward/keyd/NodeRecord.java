package dev.ward.keyd;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What keyd knows about one node: the SVIDs it still holds (expired ones are pruned) and whether it is revoked.
 * A revoked node gets nothing until an operator readmits it.
 */
public record NodeRecord(String node, List<IssuedSvid> issued, Instant revokedAt) {

    public NodeRecord {
        issued = List.copyOf(issued);
    }

    public static NodeRecord empty(String node) {
        return new NodeRecord(node, List.of(), null);
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    /** The most recently issued SVID: the one the node uses. */
    public Optional<IssuedSvid> current() {
        return issued.stream().max(Comparator.comparing(IssuedSvid::issuedAt));
    }

    public List<IssuedSvid> live(Instant now) {
        return issued.stream().filter(s -> s.liveAt(now)).toList();
    }

    public NodeRecord withIssued(IssuedSvid svid, Instant now) {
        List<IssuedSvid> next = new ArrayList<>(live(now));
        next.add(svid);
        return new NodeRecord(node, next, revokedAt);
    }

    public NodeRecord revoke(Instant now) {
        return revoked() ? this : new NodeRecord(node, issued, now);
    }

    public NodeRecord readmit() {
        return new NodeRecord(node, issued, null);
    }
}
