package dev.ward.agent.encryption.store;

import dev.ward.agent.encryption.SignedNodeAnnouncement;

import java.util.function.Supplier;

/** A node's announcement as the store holds it: nothing in it is verified yet. */
public sealed interface AnnouncementEvent {
    /** The node the store entry belongs to (from its key: a signed announcement must name the same node). */
    String node();

    /**
     * What the store's entry for {@code node} holds once {@code decode} has read it: an announcement of that node,
     * or, where the value cannot be decoded or announces another node, the reason.
     */
    static AnnouncementEvent stored(String node, Supplier<SignedNodeAnnouncement> decode) {
        try {
            SignedNodeAnnouncement signed = decode.get();
            String announced = signed.announcement().node();
            if (!announced.equals(node)) {
                return new Malformed(node, "the entry for " + node + " holds an announcement of " + announced);
            }
            return new Published(node, signed);
        } catch (IllegalArgumentException e) {
            return new Malformed(node, e.getMessage());
        }
    }

    record Published(String node, SignedNodeAnnouncement signed) implements AnnouncementEvent {
    }

    /** The entry is there but cannot be decoded; the reason names what is wrong. */
    record Malformed(String node, String reason) implements AnnouncementEvent {
    }

    record Withdrawn(String node) implements AnnouncementEvent {
    }
}
