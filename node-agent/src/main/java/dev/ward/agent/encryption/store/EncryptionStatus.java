package dev.ward.agent.encryption.store;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one node's agent reports about its encryption, for {@code wardctl keys status} and
 * {@code wardctl encryption status}.
 *
 * @param peers          the peers it holds sessions with
 * @param encryptedPeers the peers it sends to over an acknowledged SA (traffic to the others is blocked)
 * @param pendingAcks    peers that have not yet acknowledged its current epoch
 * @param refusedPeers   peers whose announcement it refused, with the reason
 * @param sasInstalled   Ward's SAs in its kernel after the last change
 * @param xfrmErrors     the kernel's xfrm error counters in the node's network namespace
 * @param revoked        the node's own SVID is revoked: it has cut itself off
 */
public record EncryptionStatus(String node, long epoch, Instant lastRotation, List<String> peers,
                               List<String> encryptedPeers, List<String> pendingAcks, Map<String, String> refusedPeers,
                               int sasInstalled, Map<String, Long> xfrmErrors, boolean revoked, Instant updatedAt) {
    public EncryptionStatus {
        peers = List.copyOf(peers);
        encryptedPeers = List.copyOf(encryptedPeers);
        pendingAcks = List.copyOf(pendingAcks);
        refusedPeers = Collections.unmodifiableMap(new TreeMap<>(refusedPeers));
        xfrmErrors = Collections.unmodifiableMap(new TreeMap<>(xfrmErrors));
    }

    /** Equal in everything but the time of the report: no need to write it again. */
    public boolean sameStateAs(EncryptionStatus other) {
        return other != null && withUpdatedAt(updatedAt).equals(other.withUpdatedAt(updatedAt));
    }

    private EncryptionStatus withUpdatedAt(Instant at) {
        return new EncryptionStatus(node, epoch, lastRotation, peers, encryptedPeers, pendingAcks, refusedPeers,
                sasInstalled, xfrmErrors, revoked, at);
    }
}
