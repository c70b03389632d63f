package dev.ward.agent.encryption;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * ESP keys for this node's SAs. Both directions of an epoch pair come from one X25519 agreement, and the
 * inbound and outbound SA of a pair are usually needed together, so pairs are kept until an epoch goes away.
 */
final class SessionKeys {
    private record Pair(long localEpoch, String peer, EpochPublicKey peerKey) {
    }

    private final String localNode;
    private final PeerKeyDeriver deriver;
    private final Map<Pair, PairKeys> derived = new HashMap<>();

    SessionKeys(String localNode, PeerKeyDeriver deriver) {
        this.localNode = localNode;
        this.deriver = deriver;
    }

    EspKey keyFor(PeerSaId sa, EpochKeyPair local, EpochPublicKey peer) {
        String peerNode = sa.peerOf(localNode);
        if (sa.epochOf(localNode) != local.epoch() || sa.epochOf(peerNode) != peer.epoch()) {
            throw new IllegalArgumentException("keys of epochs " + local.epoch() + "/" + peer.epoch() + " do not belong to " + sa);
        }
        PairKeys keys = derived.computeIfAbsent(new Pair(local.epoch(), peerNode, peer),
                pair -> deriver.derive(localNode, local, peerNode, peer));
        return sa.sender().equals(localNode) ? keys.outbound() : keys.inbound();
    }

    void retainLocalEpochs(Set<Long> epochs) {
        derived.keySet().removeIf(pair -> !epochs.contains(pair.localEpoch()));
    }

    void forgetPeer(String peer) {
        derived.keySet().removeIf(pair -> pair.peer().equals(peer));
    }
}
