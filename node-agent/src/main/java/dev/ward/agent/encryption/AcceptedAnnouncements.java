package dev.ward.agent.encryption;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The peers this node currently believes in: the newest verified announcement of every member. A node
 * that is revoked or departs is forgotten, but {@link AnnouncementFreshness} still remembers its last epoch,
 * so a replay of its old announcement cannot bring it back.
 */
public final class AcceptedAnnouncements {
    private final String localNode;
    private final AnnouncementVerifier verifier;
    private final AnnouncementFreshness freshness = new AnnouncementFreshness();
    private final Map<String, NodeAnnouncement> members = new TreeMap<>();

    public AcceptedAnnouncements(String localNode, AnnouncementVerifier verifier) {
        this.localNode = localNode;
        this.verifier = verifier;
    }

    /**
     * Verifies and records a peer's announcement. Returns it if it is news to act on, empty if it is exactly
     * the one already accepted (or this node's own).
     */
    public Optional<NodeAnnouncement> accept(SignedNodeAnnouncement signed) throws AnnouncementRejectedException {
        NodeAnnouncement announcement = verifier.verify(signed);
        if (announcement.node().equals(localNode)) {
            return Optional.empty();
        }
        if (freshness.check(announcement) == AnnouncementFreshness.Outcome.SAME) {
            return Optional.empty();
        }
        members.put(announcement.node(), announcement);
        return Optional.of(announcement);
    }

    /** The node was revoked or left: it is no member any more, and its past announcements stay refused. */
    public void forget(String node) {
        members.remove(node);
    }

    public Optional<NodeAnnouncement> member(String node) {
        return Optional.ofNullable(members.get(node));
    }

    public Collection<NodeAnnouncement> members() {
        return Collections.unmodifiableCollection(members.values());
    }
}
