package dev.ward.agent.encryption;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** What this node holds with one peer: its newest announcement, the tunnel, and the SAs installed for it. */
final class PeerSession {
    final String peer;
    final TunnelEndpoints tunnel;
    NodeAnnouncement latest;
    /** Inbound SAs from the peer, in the order the peer moves through them; includes draining ones. */
    final TreeMap<PeerSaId, PeerSa> inbound = new TreeMap<>(PeerSaId.SENDING_ORDER);
    /** The SA this node sends to the peer with, if any. */
    PeerSa outbound;
    /** Outbound SAs this node no longer sends with, still installed until their drain ends. */
    final List<PeerSa> retiredOutbound = new ArrayList<>();
    /** Installed SAs (either direction) whose drain timer runs. */
    final Set<PeerSa> draining = new HashSet<>();

    PeerSession(NodeAnnouncement latest, TunnelEndpoints tunnel) {
        this.peer = latest.node();
        this.latest = latest;
        this.tunnel = tunnel;
    }

    /** Every SA installed for this peer, in or out, in use or draining. */
    List<PeerSa> installed() {
        List<PeerSa> all = new ArrayList<>(inbound.values());
        if (outbound != null) {
            all.add(outbound);
        }
        all.addAll(retiredOutbound);
        return all;
    }

    /** The SA the peer says it sends to {@code localNode} with, from its newest announcement. */
    Optional<PeerSaId> peerSendsWith(String localNode) {
        return latest.sendingTo(localNode).map(use -> use.sa(peer));
    }

    boolean sameEndpoints(NodeAnnouncement next, TunnelEndpoints nextTunnel) {
        return nextTunnel.equals(tunnel) && next.podCidrs().equals(latest.podCidrs());
    }
}
