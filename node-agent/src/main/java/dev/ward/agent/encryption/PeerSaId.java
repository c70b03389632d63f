package dev.ward.agent.encryption;

import java.util.Comparator;

/**
 * Which ESP SA in the mesh: traffic from {@code sender} to {@code receiver}, keyed with the sender's key of
 * {@code senderEpoch} and the receiver's key of {@code receiverEpoch}. Both ends name the same SA this way.
 */
public record PeerSaId(String sender, long senderEpoch, String receiver, long receiverEpoch) {
    /**
     * Order in which a sender moves between SAs towards one receiver: by the receiver's epoch first, then the
     * sender's. A sender only ever moves forward in this order, which lets the receiver retire every SA
     * below the one the sender says it uses.
     */
    public static final Comparator<PeerSaId> SENDING_ORDER =
            Comparator.comparingLong(PeerSaId::receiverEpoch).thenComparingLong(PeerSaId::senderEpoch);

    public PeerSaId {
        if (sender.equals(receiver)) {
            throw new IllegalArgumentException("an SA joins two different nodes, got " + sender + " twice");
        }
        if (senderEpoch < 1 || receiverEpoch < 1) {
            throw new IllegalArgumentException("epochs start at 1: " + senderEpoch + ", " + receiverEpoch);
        }
    }

    public boolean involves(String node) {
        return sender.equals(node) || receiver.equals(node);
    }

    public String peerOf(String node) {
        if (sender.equals(node)) {
            return receiver;
        }
        if (receiver.equals(node)) {
            return sender;
        }
        throw new IllegalArgumentException(node + " is not an end of " + this);
    }

    public long epochOf(String node) {
        if (sender.equals(node)) {
            return senderEpoch;
        }
        if (receiver.equals(node)) {
            return receiverEpoch;
        }
        throw new IllegalArgumentException(node + " is not an end of " + this);
    }

    @Override
    public String toString() {
        return sender + "#" + senderEpoch + "->" + receiver + "#" + receiverEpoch;
    }
}
