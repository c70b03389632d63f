package dev.ward.agent.encryption;

import dev.ward.pki.NodeNames;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What a node tells every other node, unsigned: where it is (underlay addresses, pod CIDRs), its X25519 key
 * for its current epoch, the inbound SAs it has installed (acknowledgements), and which SA it sends with
 * towards each peer.
 *
 * <p>{@code revision} counts publications within an epoch, so that (epoch, revision) orders every announcement
 * a node ever makes and a replayed older one is recognised even within the same epoch.
 * Acknowledgements and outbound entries are kept sorted ({@link Acknowledgement#ORDER}, by peer), which
 * makes the canonical encoding a function of the value.
 */
public record NodeAnnouncement(
        String node,
        List<InetAddress> underlay,
        List<Cidr> podCidrs,
        EpochPublicKey key,
        long revision,
        List<Acknowledgement> acknowledgements,
        List<OutboundInUse> sending) {

    public static final int MAX_ADDRESSES = 16;

    public NodeAnnouncement {
        NodeNames.require(node, "node name");
        underlay = List.copyOf(underlay);
        podCidrs = List.copyOf(podCidrs);
        if (underlay.isEmpty() || underlay.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException(node + " must announce 1.." + MAX_ADDRESSES + " underlay addresses, got " + underlay.size());
        }
        if (podCidrs.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException(node + " announces more than " + MAX_ADDRESSES + " pod CIDRs");
        }
        requireDistinct(underlay, node + " underlay address");
        requireDistinct(podCidrs, node + " pod CIDR");
        if (revision < 1) {
            throw new IllegalArgumentException("revision must be at least 1, got " + revision);
        }
        acknowledgements = sorted(acknowledgements, Acknowledgement::peer, Acknowledgement.ORDER, node, "acknowledgement");
        sending = sorted(sending, OutboundInUse::peer, Comparator.comparing(OutboundInUse::peer), node, "outbound entry");
    }

    public long epoch() {
        return key.epoch();
    }

    /** The inbound SAs this node holds from {@code peer}, lowest first. */
    public List<Acknowledgement> acknowledgementsFor(String peer) {
        return acknowledgements.stream().filter(a -> a.peer().equals(peer)).toList();
    }

    public Optional<OutboundInUse> sendingTo(String peer) {
        return sending.stream().filter(s -> s.peer().equals(peer)).findFirst();
    }

    /** Equal in everything but the revision: nothing new to tell. */
    public boolean sameContentAs(NodeAnnouncement other) {
        return node.equals(other.node) && underlay.equals(other.underlay) && podCidrs.equals(other.podCidrs)
                && key.equals(other.key) && acknowledgements.equals(other.acknowledgements) && sending.equals(other.sending);
    }

    /** True if this announcement comes after {@code other} from the same node. */
    public boolean isNewerThan(NodeAnnouncement other) {
        return epoch() != other.epoch() ? epoch() > other.epoch() : revision > other.revision;
    }

    private static <T> void requireDistinct(List<T> values, String what) {
        Set<T> seen = new HashSet<>();
        for (T value : values) {
            if (!seen.add(value)) {
                throw new IllegalArgumentException(what + " " + value + " is listed twice");
            }
        }
    }

    private static <T> List<T> sorted(List<T> entries, Function<T, String> peer, Comparator<T> order, String node, String what) {
        List<T> sorted = new ArrayList<>(entries);
        sorted.sort(order);
        for (int i = 0; i < sorted.size(); i++) {
            if (peer.apply(sorted.get(i)).equals(node)) {
                throw new IllegalArgumentException(node + " lists an " + what + " for itself");
            }
            if (i > 0 && order.compare(sorted.get(i), sorted.get(i - 1)) == 0) {
                throw new IllegalArgumentException(node + " lists the " + what + " " + sorted.get(i) + " twice");
            }
        }
        return List.copyOf(sorted);
    }
}
