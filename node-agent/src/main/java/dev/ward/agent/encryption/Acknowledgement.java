package dev.ward.agent.encryption;

import dev.ward.pki.NodeNames;
import java.util.Comparator;

/**
 * "I have installed the inbound SA from {@code peer} at its epoch {@code peerEpoch} to me at my epoch
 * {@code ownEpoch}, on SPI {@code spi}." The peer may send with that SA from the moment it reads this.
 *
 * <p>A node acknowledges every inbound SA it holds, not only the newest: a peer may be sending with an older
 * one it has not yet reported, and after a restart the node's own last announcement is the record of which
 * inbound SAs peers may still be using.
 */
public record Acknowledgement(String peer, long peerEpoch, long ownEpoch, Spi spi) {
    /** Canonical order in announcements: by peer, then as the peer would move through them. */
    public static final Comparator<Acknowledgement> ORDER = Comparator.comparing(Acknowledgement::peer)
            .thenComparingLong(Acknowledgement::ownEpoch).thenComparingLong(Acknowledgement::peerEpoch);

    public Acknowledgement {
        NodeNames.require(peer, "acknowledged peer");
        if (peerEpoch < 1 || ownEpoch < 1) {
            throw new IllegalArgumentException("epochs of the SA from " + peer + " must be at least 1, got "
                    + peerEpoch + " and " + ownEpoch);
        }
    }

    /** The acknowledged SA, given the name of the node that acknowledged it (the receiver). */
    public PeerSaId sa(String receiver) {
        return new PeerSaId(peer, peerEpoch, receiver, ownEpoch);
    }
}
