package dev.ward.agent.encryption;

/**
 * "I have installed the inbound SA from {@code peer} at its epoch {@code peerEpoch} to me at the epoch of this
 * announcement, on SPI {@code spi}." The peer may send with that SA from the moment it reads this.
 */
public record Acknowledgement(String peer, long peerEpoch, Spi spi) {
    public Acknowledgement {
        NodeNames.require(peer, "acknowledged peer");
        if (peerEpoch < 1) {
            throw new IllegalArgumentException("acknowledged epoch of " + peer + " must be at least 1, got " + peerEpoch);
        }
    }
}
