package dev.ward.agent.encryption;

import dev.ward.agent.encryption.AnnouncementRejectedException.Reason;
import java.util.HashMap;
import java.util.Map;

/**
 * Remembers the newest announcement accepted from each node, and keeps remembering it after the node left or
 * was revoked, so that no older announcement can be replayed into the mesh.
 */
public final class AnnouncementFreshness {
    /** What an announcement that passed the check means. */
    public enum Outcome {
        /** Newer than anything accepted from the node: act on it. */
        NEWER,
        /** Exactly what was accepted last (a store re-list or watch re-delivery): nothing to do. */
        SAME
    }

    private final Map<String, NodeAnnouncement> newest = new HashMap<>();

    public Outcome check(NodeAnnouncement announcement) throws AnnouncementRejectedException {
        String node = announcement.node();
        NodeAnnouncement known = newest.get(node);
        if (known == null) {
            newest.put(node, announcement);
            return Outcome.NEWER;
        }
        if (announcement.epoch() < known.epoch()) {
            throw new AnnouncementRejectedException(Reason.STALE, node,
                    "epoch " + announcement.epoch() + " is older than the accepted epoch " + known.epoch());
        }
        if (announcement.epoch() == known.epoch() && !announcement.key().equals(known.key())) {
            throw new AnnouncementRejectedException(Reason.CONFLICTING, node,
                    "a second public key for epoch " + known.epoch());
        }
        if (announcement.epoch() == known.epoch() && announcement.revision() == known.revision()) {
            if (announcement.equals(known)) {
                return Outcome.SAME;
            }
            throw new AnnouncementRejectedException(Reason.CONFLICTING, node,
                    "different content for epoch " + known.epoch() + " revision " + known.revision());
        }
        if (!announcement.isNewerThan(known)) {
            throw new AnnouncementRejectedException(Reason.STALE, node, "revision " + announcement.revision()
                    + " of epoch " + announcement.epoch() + " is older than the accepted revision " + known.revision());
        }
        newest.put(node, announcement);
        return Outcome.NEWER;
    }
}
