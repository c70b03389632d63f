package dev.ward.agent.encryption;

import java.net.InetAddress;

/** What happens to a node's encryption sessions. */
public sealed interface SessionEvent {
    /** An operator (wardctl keys rotate) or the schedule asks for a new epoch. */
    record RotationRequested() implements SessionEvent {
    }

    /** A peer's announcement passed verification and freshness ({@link KnownPeers}). */
    record PeerAnnounced(NodeAnnouncement announcement) implements SessionEvent {
    }

    /** The kernel reported the soft lifetime of the SA at (destination, SPI) expired. */
    record SoftExpired(InetAddress destination, Spi spi) implements SessionEvent {
    }

    /** The drain period of a retired SA, started by {@link SessionAction.ScheduleDrain}, is over. */
    record DrainElapsed(PeerSa sa) implements SessionEvent {
    }

    /** The peer was revoked or left the cluster. */
    record PeerRemoved(String peer, String why) implements SessionEvent {
    }
}
