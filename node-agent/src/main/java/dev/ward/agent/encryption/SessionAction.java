package dev.ward.agent.encryption;

import java.time.Duration;
import java.util.List;

/**
 * What the node must do, in the order given. Order matters: an inbound SA is installed before the announcement
 * that acknowledges it is published, so no peer ever sends on an SA that is not there yet.
 */
public sealed interface SessionAction {
    /** A verified peer joins: install its input and forward policies, which accept its pods' traffic only as ESP. */
    record AdmitPeer(String peer, List<DataplanePolicy> policies) implements SessionAction {
    }

    /** Install an SA this node receives on. */
    record InstallInboundSa(PeerSa sa) implements SessionAction {
    }

    /**
     * Send to the peer on this SA from now on: install the SA if it is not there, then replace the peer's
     * encrypt policies (same selectors, new SPI) in place.
     */
    record SwitchOutbound(String peer, PeerSa sa, List<DataplanePolicy> policies) implements SessionAction {
    }

    /** Report {@link SessionEvent.DrainElapsed} for this retired SA after the given time. */
    record ScheduleDrain(PeerSa sa, Duration after) implements SessionAction {
    }

    /** Delete the SA from the kernel. */
    record RemoveSa(PeerSa sa) implements SessionAction {
    }

    /** Delete the peer's policies; its SAs follow as {@link RemoveSa}. Plaintext to and from it hits the block policy. */
    record CutOffPeer(String peer, List<DataplanePolicy> policies, String why) implements SessionAction {
    }

    /** Sign this announcement with the node's SVID key and write it to the store. */
    record PublishAnnouncement(NodeAnnouncement announcement) implements SessionAction {
    }

    /** A verified peer could not be admitted; nothing was installed for it. For logs and status. */
    record PeerRefused(String peer, String reason) implements SessionAction {
    }
}
