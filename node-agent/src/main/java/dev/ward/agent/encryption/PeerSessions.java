package dev.ward.agent.encryption;

import dev.ward.agent.encryption.SessionAction.AdmitPeer;
import dev.ward.agent.encryption.SessionAction.CutOffPeer;
import dev.ward.agent.encryption.SessionAction.InstallInboundSa;
import dev.ward.agent.encryption.SessionAction.PeerRefused;
import dev.ward.agent.encryption.SessionAction.PublishAnnouncement;
import dev.ward.agent.encryption.SessionAction.RemoveSa;
import dev.ward.agent.encryption.SessionAction.ScheduleDrain;
import dev.ward.agent.encryption.SessionAction.SwitchOutbound;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The encryption protocol of one node with all its peers, as a state machine: {@link SessionEvent}s in,
 * {@link SessionAction}s out, no I/O.
 *
 * <p>The rules that make rotation lossless:
 * <ol>
 *   <li>Receiver installs first. For every peer, the node installs the inbound SA (peer's newest epoch -> own
 *       current epoch) before it publishes the announcement that acknowledges it. A rotation installs these
 *       for every peer, then publishes the new epoch.</li>
 *   <li>Sender switches on acknowledgement only. The node sends to a peer only on an SA the peer acknowledged,
 *       for the peer's current epoch, choosing the highest in {@link PeerSaId#SENDING_ORDER} it holds a key for,
 *       and never moves back down that order.</li>
 *   <li>Receiver retires below what the sender reports. Each announcement says which SA the node sends to each
 *       peer with; the peer retires every inbound SA from the node below that one, and removes it after the
 *       drain period (for packets in flight). Since senders never move down, a retired SA is never used again,
 *       however late the store delivers announcements.</li>
 * </ol>
 * Revocation or departure of a peer removes its policies and every SA at once, without drain.
 *
 * <p>Not thread-safe: one event loop feeds it and executes the returned actions in order, persisting
 * {@link #keyring()} before it publishes.
 */
public final class PeerSessions {
    private final LocalNode local;
    private final EncryptionSettings settings;
    private final EpochKeySource keySource;
    private final LocalEpochs epochs;
    private final SessionKeys keys;
    private final InboundSpiAllocator spis;
    private final EncryptionPolicies policies;
    private final PeerAdmission admission;
    private final Map<String, PeerSession> sessions = new TreeMap<>();
    private final List<PeerRefused> refusedWhileRestoring = new ArrayList<>();
    private NodeAnnouncement published;

    private PeerSessions(LocalNode local, EncryptionSettings settings, EpochKeySource keySource, List<EpochKeyPair> keyring) {
        this.local = local;
        this.settings = settings;
        this.keySource = keySource;
        this.epochs = new LocalEpochs(keyring);
        this.keys = new SessionKeys(local.name(), new PeerKeyDeriver(settings.cipher()));
        this.spis = new InboundSpiAllocator(local.name());
        this.policies = new EncryptionPolicies(local, settings);
        this.admission = new PeerAdmission(local, settings);
    }

    /**
     * Rebuilds the sessions after a start. When the keyring still holds the epoch of the node's own last
     * announcement, that announcement is the record of what peers may use: every inbound SA it acknowledged
     * (those the peer has already moved past only if the kernel still has them, to finish their drain) and the
     * outbound SA it reported are taken back, with keys derived again or, where a peer's old public key is gone,
     * taken from the kernel. Otherwise the node starts a new epoch. Then apply {@link DataplaneDiff#between} of
     * {@link #dataplane()} and the kernel, and run {@link #resume()}. Outbound SAs that were draining are not in
     * any announcement and go at once, which is harmless: no policy points at them any more.
     */
    public static PeerSessions restore(LocalNode local, EncryptionSettings settings, EpochKeySource keySource,
                                       RecoveredState recovered) {
        Optional<NodeAnnouncement> own = recovered.ownLast()
                .filter(last -> last.node().equals(local.name()))
                .filter(last -> last.underlay().equals(local.underlay()) && last.podCidrs().equals(local.podCidrs()))
                .filter(last -> recovered.keyring().stream().anyMatch(key -> key.epoch() == last.epoch()));
        PeerSessions restored;
        if (own.isPresent()) {
            List<EpochKeyPair> usable = recovered.keyring().stream().filter(key -> key.epoch() <= own.get().epoch()).toList();
            restored = new PeerSessions(local, settings, keySource, usable);
            restored.published = own.get();
        } else {
            long previous = recovered.ownLast().map(NodeAnnouncement::epoch).orElse(0L);
            for (EpochKeyPair key : recovered.keyring()) {
                previous = Math.max(previous, key.epoch());
            }
            restored = new PeerSessions(local, settings, keySource, List.of(keySource.next(previous)));
        }
        Map<KernelSa.Slot, KernelSa> kernel = new HashMap<>();
        recovered.kernelSas().forEach(sa -> kernel.put(sa.slot(), sa));
        recovered.peers().stream().sorted(Comparator.comparing(NodeAnnouncement::node))
                .filter(peer -> !peer.node().equals(local.name()))
                .forEach(peer -> restored.restorePeer(peer, own, kernel));
        restored.forgetUnusedEpochs();
        return restored;
    }

    /**
     * After {@link #restore} and applying its dataplane: catches up with every peer's newest announcement
     * (installing, switching and retiring as the rules say) and publishes if anything changed.
     */
    public List<SessionAction> resume() {
        List<SessionAction> actions = new ArrayList<>(refusedWhileRestoring);
        refusedWhileRestoring.clear();
        for (PeerSession session : sessions.values()) {
            converge(session, actions);
        }
        publishIfChanged(actions);
        return actions;
    }

    public List<SessionAction> handle(SessionEvent event) {
        List<SessionAction> actions = new ArrayList<>();
        switch (event) {
            case SessionEvent.RotationRequested ignored -> rotate(actions);
            case SessionEvent.PeerAnnounced announced -> onAnnouncement(announced.announcement(), actions);
            case SessionEvent.SoftExpired expired -> onSoftExpire(expired, actions);
            case SessionEvent.DrainElapsed drained -> onDrainElapsed(drained.sa(), actions);
            case SessionEvent.PeerRemoved removed -> onPeerRemoved(removed.peer(), removed.why(), actions);
        }
        return actions;
    }

    /** Everything this node wants in the kernel now: the desired state to diff against an xfrm dump. */
    public Dataplane dataplane() {
        Set<PeerSa> sas = new HashSet<>();
        Set<DataplanePolicy> all = new LinkedHashSet<>(policies.node());
        for (PeerSession session : sessions.values()) {
            sas.addAll(session.installed());
            all.addAll(peerPolicies(session));
        }
        return new Dataplane(sas, all);
    }

    /** The epoch keys to persist (node-local, root only) so a restarted agent can take its SAs back. */
    public List<EpochKeyPair> keyring() {
        return epochs.all();
    }

    public long currentEpoch() {
        return epochs.current().epoch();
    }

    public Set<String> peers() {
        return Set.copyOf(sessions.keySet());
    }

    /** The SA this node sends to {@code peer} with, if any. */
    public Optional<PeerSa> outboundTo(String peer) {
        return Optional.ofNullable(sessions.get(peer)).map(session -> session.outbound);
    }

    /** Every SA installed for the peer, in or out, in use or draining. */
    public List<PeerSa> installedWith(String peer) {
        PeerSession session = sessions.get(peer);
        return session == null ? List.of() : session.installed();
    }

    private void rotate(List<SessionAction> actions) {
        epochs.add(keySource.next(epochs.current().epoch()));
        for (PeerSession session : sessions.values()) {
            converge(session, actions);
        }
        publishIfChanged(actions);
    }

    private void onAnnouncement(NodeAnnouncement announcement, List<SessionAction> actions) {
        String peer = announcement.node();
        if (peer.equals(local.name())) {
            return;
        }
        PeerSession session = sessions.get(peer);
        if (session != null && !announcement.isNewerThan(session.latest)) {
            return;
        }
        List<NodeAnnouncement> others = sessions.values().stream()
                .filter(other -> !other.peer.equals(peer)).map(other -> other.latest).toList();
        Optional<String> problem = admission.problem(announcement, others);
        if (problem.isPresent()) {
            actions.add(new PeerRefused(peer, problem.get()));
            return;
        }
        TunnelEndpoints tunnel = TunnelEndpoints.between(local.underlay(), announcement.underlay()).orElseThrow();
        if (session != null && !session.sameEndpoints(announcement, tunnel)) {
            // New addresses or pod CIDRs invalidate every SA and policy of the peer: start it over.
            cutOff(session, "its underlay addresses or pod CIDRs changed", actions);
            session = null;
        }
        if (session == null) {
            session = new PeerSession(announcement, tunnel);
            sessions.put(peer, session);
            actions.add(new AdmitPeer(peer, policies.inboundFrom(announcement.podCidrs(), tunnel)));
        }
        session.latest = announcement;
        converge(session, actions);
        publishIfChanged(actions);
    }

    /** Applies the three rules to one peer. */
    private void converge(PeerSession session, List<SessionAction> actions) {
        installInboundForCurrentEpochs(session, actions);
        switchOutboundToBestAcknowledged(session, actions);
        retireInboundBelowWhatPeerSends(session, actions);
    }

    private void installInboundForCurrentEpochs(PeerSession session, List<SessionAction> actions) {
        EpochKeyPair current = epochs.current();
        PeerSaId wanted = new PeerSaId(session.peer, session.latest.epoch(), local.name(), current.epoch());
        if (session.inbound.containsKey(wanted)) {
            return;
        }
        Spi spi = spis.allocate(wanted);
        PeerSa sa = new PeerSa(wanted, spi, session.tunnel.remote(), session.tunnel.local(),
                keys.keyFor(wanted, current, session.latest.key()));
        session.inbound.put(wanted, sa);
        actions.add(new InstallInboundSa(sa));
    }

    private void switchOutboundToBestAcknowledged(PeerSession session, List<SessionAction> actions) {
        Acknowledgement best = null;
        for (Acknowledgement ack : session.latest.acknowledgementsFor(local.name())) {
            // Only the peer's current epoch: its older public keys are gone, and it is moving off them anyway.
            if (ack.ownEpoch() == session.latest.epoch() && epochs.get(ack.peerEpoch()).isPresent()
                    && (best == null || ack.peerEpoch() > best.peerEpoch())) {
                best = ack;
            }
        }
        if (best == null) {
            return;
        }
        // The peer's acknowledgement names this node as "peer": its peerEpoch is our epoch.
        PeerSaId target = best.sa(session.peer);
        PeerSa current = session.outbound;
        if (current != null) {
            int order = PeerSaId.SENDING_ORDER.compare(target, current.id());
            // Same SA on a new SPI means the peer installed it again (it lost it): follow it.
            boolean reinstalled = order == 0 && !current.spi().equals(best.spi());
            if (order < 0 || (order == 0 && !reinstalled)) {
                return;
            }
        }
        PeerSa sa = new PeerSa(target, best.spi(), session.tunnel.local(), session.tunnel.remote(),
                keys.keyFor(target, epochs.get(best.peerEpoch()).orElseThrow(), session.latest.key()));
        session.outbound = sa;
        actions.add(new SwitchOutbound(session.peer, sa,
                policies.outboundTo(session.latest.podCidrs(), session.tunnel, sa.spi())));
        if (current != null) {
            session.retiredOutbound.add(current);
            startDrain(session, current, actions);
        }
    }

    private void retireInboundBelowWhatPeerSends(PeerSession session, List<SessionAction> actions) {
        Optional<PeerSaId> sending = session.peerSendsWith(local.name());
        if (sending.isEmpty()) {
            return;
        }
        for (PeerSa sa : session.inbound.headMap(sending.get(), false).values()) {
            startDrain(session, sa, actions);
        }
    }

    private void startDrain(PeerSession session, PeerSa sa, List<SessionAction> actions) {
        if (session.draining.add(sa)) {
            actions.add(new ScheduleDrain(sa, settings.drain()));
        }
    }

    private void onSoftExpire(SessionEvent.SoftExpired expired, List<SessionAction> actions) {
        Optional<PeerSaId> sa;
        if (local.ownsUnderlay(expired.destination())) {
            sa = spis.saOf(expired.spi());
        } else {
            sa = sessions.values().stream().map(session -> session.outbound)
                    .filter(out -> out != null && out.destination().equals(expired.destination()) && out.spi().equals(expired.spi()))
                    .map(PeerSa::id).findFirst();
        }
        // Only an SA of the current epoch calls for a new one; an older SA is already being replaced.
        if (sa.isPresent() && sa.get().epochOf(local.name()) == epochs.current().epoch()) {
            rotate(actions);
        }
    }

    private void onDrainElapsed(PeerSa sa, List<SessionAction> actions) {
        PeerSession session = sessions.get(sa.id().peerOf(local.name()));
        if (session == null || !session.draining.remove(sa)) {
            return;
        }
        if (sa.directionAt(local.name()) == SaDirection.INBOUND) {
            session.inbound.remove(sa.id());
            spis.release(sa.id());
        } else {
            session.retiredOutbound.remove(sa);
        }
        actions.add(new RemoveSa(sa));
        forgetUnusedEpochs();
    }

    private void onPeerRemoved(String peer, String why, List<SessionAction> actions) {
        PeerSession session = sessions.get(peer);
        if (session == null) {
            return;
        }
        cutOff(session, why, actions);
        publishIfChanged(actions);
    }

    private void cutOff(PeerSession session, String why, List<SessionAction> actions) {
        sessions.remove(session.peer);
        actions.add(new CutOffPeer(session.peer, peerPolicies(session), why));
        for (PeerSa sa : session.installed()) {
            actions.add(new RemoveSa(sa));
            if (sa.directionAt(local.name()) == SaDirection.INBOUND) {
                spis.release(sa.id());
            }
        }
        keys.forgetPeer(session.peer);
        forgetUnusedEpochs();
    }

    private List<DataplanePolicy> peerPolicies(PeerSession session) {
        List<DataplanePolicy> all = new ArrayList<>(policies.inboundFrom(session.latest.podCidrs(), session.tunnel));
        if (session.outbound != null) {
            all.addAll(policies.outboundTo(session.latest.podCidrs(), session.tunnel, session.outbound.spi()));
        }
        return all;
    }

    private void forgetUnusedEpochs() {
        Set<Long> needed = new HashSet<>();
        needed.add(epochs.current().epoch());
        for (PeerSession session : sessions.values()) {
            session.installed().forEach(sa -> needed.add(sa.id().epochOf(local.name())));
        }
        epochs.retain(needed);
        keys.retainLocalEpochs(needed);
    }

    /** Publishes the node's state if it differs from what was last published; unchanged state is not re-sent. */
    private void publishIfChanged(List<SessionAction> actions) {
        List<Acknowledgement> acks = new ArrayList<>();
        List<OutboundInUse> sending = new ArrayList<>();
        for (PeerSession session : sessions.values()) {
            for (PeerSa sa : session.inbound.values()) {
                acks.add(new Acknowledgement(session.peer, sa.id().senderEpoch(), sa.id().receiverEpoch(), sa.spi()));
            }
            if (session.outbound != null) {
                PeerSaId id = session.outbound.id();
                sending.add(new OutboundInUse(session.peer, id.senderEpoch(), id.receiverEpoch(), session.outbound.spi()));
            }
        }
        EpochPublicKey key = epochs.current().publicKey();
        long revision = published != null && published.epoch() == key.epoch() ? published.revision() + 1 : 1;
        NodeAnnouncement next = new NodeAnnouncement(local.name(), local.underlay(), local.podCidrs(), key, revision, acks, sending);
        if (published != null && published.sameContentAs(next)) {
            return;
        }
        published = next;
        actions.add(new PublishAnnouncement(next));
    }

    private void restorePeer(NodeAnnouncement peer, Optional<NodeAnnouncement> own, Map<KernelSa.Slot, KernelSa> kernel) {
        List<NodeAnnouncement> others = sessions.values().stream().map(session -> session.latest).toList();
        Optional<String> problem = admission.problem(peer, others);
        if (problem.isPresent()) {
            refusedWhileRestoring.add(new PeerRefused(peer.node(), problem.get()));
            return;
        }
        PeerSession session = new PeerSession(peer, TunnelEndpoints.between(local.underlay(), peer.underlay()).orElseThrow());
        sessions.put(peer.node(), session);
        if (own.isEmpty()) {
            return;
        }
        Optional<PeerSaId> peerSends = session.peerSendsWith(local.name());
        for (Acknowledgement ack : own.get().acknowledgementsFor(peer.node())) {
            PeerSaId id = ack.sa(local.name());
            boolean retired = peerSends.isPresent() && PeerSaId.SENDING_ORDER.compare(id, peerSends.get()) < 0;
            // A retired SA still in the kernel was draining: take it back so resume() drains it again. One that
            // is gone was already removed (acknowledgements are published lazily) and stays gone.
            if (retired && !kernel.containsKey(new KernelSa.Slot(session.tunnel.local(), ack.spi()))) {
                continue;
            }
            recoverSa(session, id, ack.spi(), kernel).ifPresent(sa -> {
                spis.claim(id, sa.spi());
                session.inbound.put(id, sa);
            });
        }
        own.get().sendingTo(peer.node()).ifPresent(use ->
                recoverSa(session, use.sa(local.name()), use.spi(), kernel)
                        .ifPresent(sa -> session.outbound = sa));
    }

    /**
     * An SA named in an announcement, with its key derived again if both epoch keys are at hand, or else as the
     * kernel still holds it. Missing from both, it cannot be had back: the peer will move to a newer one.
     */
    private Optional<PeerSa> recoverSa(PeerSession session, PeerSaId id, Spi spi, Map<KernelSa.Slot, KernelSa> kernel) {
        boolean inbound = id.receiver().equals(local.name());
        var source = inbound ? session.tunnel.remote() : session.tunnel.local();
        var destination = inbound ? session.tunnel.local() : session.tunnel.remote();
        Optional<EpochKeyPair> ownKey = epochs.get(id.epochOf(local.name()));
        if (ownKey.isPresent() && session.latest.epoch() == id.epochOf(session.peer)) {
            return Optional.of(new PeerSa(id, spi, source, destination,
                    keys.keyFor(id, ownKey.get(), session.latest.key())));
        }
        KernelSa found = kernel.get(new KernelSa.Slot(destination, spi));
        if (found != null && found.source().equals(source) && found.key().cipher() == settings.cipher()) {
            return Optional.of(new PeerSa(id, spi, source, destination, found.key()));
        }
        return Optional.empty();
    }
}
