package dev.ward.agent.encryption.store;

import dev.ward.agent.encryption.SignedNodeAnnouncement;

/** A node's announcement as the store holds it: nothing in it is verified yet. */
public sealed interface AnnouncementEvent {
    /** The node the store entry belongs to (from its key: a signed announcement must name the same node). */
    String node();

    record Published(String node, SignedNodeAnnouncement signed) implements AnnouncementEvent {
    }

    /** The entry is there but cannot be decoded; the reason names what is wrong. */
    record Malformed(String node, String reason) implements AnnouncementEvent {
    }

    record Withdrawn(String node) implements AnnouncementEvent {
    }
}
