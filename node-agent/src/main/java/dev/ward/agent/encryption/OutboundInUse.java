package dev.ward.agent.encryption;

import dev.ward.pki.NodeNames;

/**
 * "I send to {@code peer} with the SA from my epoch {@code ownEpoch} to its epoch {@code peerEpoch}, SPI
 * {@code spi}." Tells the peer which of its inbound SAs it may retire: every one below this in
 * {@link PeerSaId#SENDING_ORDER}, since a sender never moves back.
 */
public record OutboundInUse(String peer, long ownEpoch, long peerEpoch, Spi spi) {
    public OutboundInUse {
        NodeNames.require(peer, "receiving peer");
        if (ownEpoch < 1 || peerEpoch < 1) {
            throw new IllegalArgumentException("epochs of the SA to " + peer + " must be at least 1, got "
                    + ownEpoch + " and " + peerEpoch);
        }
    }

    public PeerSaId sa(String sender) {
        return new PeerSaId(sender, ownEpoch, peer, peerEpoch);
    }
}
