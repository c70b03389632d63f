package dev.ward.agent.encryption.agent;

import dev.ward.agent.encryption.AnnouncementRejectedException;
import dev.ward.agent.encryption.AnnouncementVerifier;
import dev.ward.agent.encryption.DataplaneDiff;
import dev.ward.agent.encryption.DataplaneKernel;
import dev.ward.agent.encryption.EncryptionKernelState;
import dev.ward.agent.encryption.EncryptionSettings;
import dev.ward.agent.encryption.KernelDataplane;
import dev.ward.agent.encryption.EpochKeySource;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.KnownPeers;
import dev.ward.agent.encryption.LocalNode;
import dev.ward.agent.encryption.NodeAnnouncement;
import dev.ward.agent.encryption.PeerSessions;
import dev.ward.agent.encryption.RecoveredState;
import dev.ward.agent.encryption.PeerSa;
import dev.ward.agent.encryption.SessionAction;
import dev.ward.agent.encryption.SessionEvent;
import dev.ward.agent.encryption.SignedNodeAnnouncement;
import dev.ward.agent.encryption.store.AnnouncementEvent;
import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.RotationRequest;
import dev.ward.agent.identity.IdentityListener;
import dev.ward.agent.kernel.KernelReconciler;
import dev.ward.agent.node.NodePresence;
import dev.ward.agent.identity.NodeIdentityAgent;
import dev.ward.agent.identity.NodeSvid;
import dev.ward.store.Subscription;
import dev.ward.pki.ClusterTrust;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's encryption at work: one thread that feeds {@link PeerSessions} with what happens (verified peer
 * announcements, departures, revocations, kernel expiry events, drain timers, scheduled and requested
 * rotations) and carries out what it answers. After every event it persists the keyring, brings the kernel to
 * {@link PeerSessions#dataplane()} with a {@link DataplaneDiff}, and only then publishes the announcement, so an
 * acknowledgement never goes out before its inbound SA is in the kernel. If the kernel or the store refuses,
 * the same steps are retried until they succeed; nothing is published over a kernel that is behind.
 *
 * <p>The kernel is kept by a {@link KernelReconciler}: an event applies only the SAs and policies it changes (no
 * dump of the kernel's SAs, with their keys), and every {@link EncryptionAgentConfig#reconcileEvery()} a full read
 * repairs whatever changed behind the agent's back.
 */
public final class EncryptionAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EncryptionAgent.class);
    static final Duration RETRY = Duration.ofSeconds(1);
    static final Duration COUNTERS_MAX_AGE = Duration.ofSeconds(5);

    private final EncryptionAgentConfig config;
    private final LocalNode local;
    private final EncryptionStore store;
    private final NodeIdentityAgent identity;
    private final KeyringFile keyringFile;
    private final Supplier<Map<String, Long>> kernelErrors;
    private final Clock clock;
    private final ScheduledExecutorService loop;
    private final AnnouncementVerifier verifier;
    private final KnownPeers peers;
    private final NodePresence presence;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final IdentityListener identityListener = new IdentityListener() {
        @Override
        public void trustChanged(ClusterTrust trust) {
            submit(EncryptionAgent.this::verifyMembersAgain);
        }

        @Override
        public void svidChanged(NodeSvid svid) {
            submit(EncryptionAgent.this::republishWithNewSvid);
        }

        @Override
        public void svidRevoked(NodeSvid svid) {
            submit(EncryptionAgent.this::cutOffSelf);
        }
    };

    private DataplaneKernel kernel;
    private KernelReconciler<KernelDataplane, DataplaneDiff> kernelState;
    private PeerSessions sessions;
    private long rotationRequestsHandled;
    private Optional<Instant> lastRotation = Optional.empty();
    private PersistedKeys persisted;
    private NodeAnnouncement published;
    private NodeAnnouncement toPublish;
    private int sasInstalled;
    private boolean kernelBehind;
    private boolean revoked;
    /** The node's Node is gone (it left the cluster): it publishes nothing more. */
    private boolean departed;
    private EncryptionStatus lastStatus;
    private Map<String, Long> counters = Map.of();
    private Instant countersReadAt;
    private boolean countersFailing;
    private ScheduledFuture<?> rotationTimer;
    private ScheduledFuture<?> retryTimer;

    /**
     * @param kernelErrors the kernel's xfrm error counters in the node's network namespace, by name
     */
    public EncryptionAgent(EncryptionAgentConfig config, EncryptionStore store, NodeIdentityAgent identity,
                           KeyringFile keyringFile, Supplier<Map<String, Long>> kernelErrors) {
        this(config, store, identity, keyringFile, kernelErrors, NodePresence.ALWAYS);
    }

    /** @param presence asked when the node's own announcement disappears: a node that left does not publish again */
    public EncryptionAgent(EncryptionAgentConfig config, EncryptionStore store, NodeIdentityAgent identity,
                           KeyringFile keyringFile, Supplier<Map<String, Long>> kernelErrors, NodePresence presence) {
        this.presence = presence;
        this.config = config;
        this.local = config.local();
        this.store = store;
        this.identity = identity;
        this.keyringFile = keyringFile;
        this.kernelErrors = kernelErrors;
        this.clock = config.clock();
        this.loop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ward-encryption-" + local.name());
            thread.setDaemon(true);
            return thread;
        });
        this.verifier = new AnnouncementVerifier(identity.identity().trustDomain().getName(),
                chain -> identity.verifyPeer(chain, null));
        this.peers = new KnownPeers(local.name(), verifier);
    }

    /**
     * Takes back what the node had (keyring, its last announcement, the kernel's SAs), brings the kernel in line,
     * catches up with its peers and starts following the store. Returns once that first round is done.
     */
    public void start(DataplaneKernel dataplaneKernel) {
        call(() -> {
            begin(dataplaneKernel);
            return null;
        });
    }

    /** Where the kernel reports expiry events (SoftExpired); safe to call from any thread, also before start. */
    public void onKernelEvent(SessionEvent event) {
        submit(() -> {
            if (event instanceof SessionEvent.SoftExpired expired) {
                LOG.info("the kernel reports the soft lifetime of SA {}/{} expired", expired.destination().getHostAddress(), expired.spi());
            }
            process(event);
        });
    }

    /** Asks for a new epoch now, as an operator's request does. */
    public void rotateNow(String why) {
        submit(() -> rotate(why));
    }

    /** The node's encryption state as its status record reports it. */
    public EncryptionStatus status() {
        return call(this::currentStatus);
    }

    public long currentEpoch() {
        return call(() -> sessions.currentEpoch());
    }

    @Override
    public void close() {
        identity.removeListener(identityListener);
        subscriptions.forEach(Subscription::close);
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void begin(DataplaneKernel dataplaneKernel) {
        kernel = dataplaneKernel;
        kernelState = new KernelReconciler<>("the xfrm state of " + local.name(), new EncryptionKernelState(kernel));
        persisted = keyringFile.load();
        boolean firstStart = persisted.keyring().isEmpty();
        rotationRequestsHandled = persisted.rotationRequestsHandled();
        lastRotation = persisted.lastRotation();
        // Watch first, then list: a change in between arrives twice rather than never.
        subscriptions.add(store.watchAnnouncements(event -> submit(() -> onAnnouncement(event))));
        subscriptions.add(store.watchRotationRequests(request -> submit(() -> onRotationRequest(request))));
        identity.addListener(identityListener);

        Optional<SignedNodeAnnouncement> ownSigned = ownLastAnnouncement();
        Optional<NodeAnnouncement> own = ownSigned.map(SignedNodeAnnouncement::announcement);
        for (AnnouncementEvent event : store.announcements()) {
            if (!event.node().equals(local.name())) {
                verify(event);
            }
        }
        List<KernelSa> kernelSas = kernel.installedSas();
        sessions = PeerSessions.restore(local, config.settings(), config.keySource(),
                new RecoveredState(persisted.keyring(), own, peers.members(), kernelSas));
        long ownEpoch = sessions.currentEpoch();
        boolean newEpoch = persisted.keyring().stream().noneMatch(key -> key.epoch() == ownEpoch);
        if (newEpoch) {
            lastRotation = Optional.of(clock.instant());
        }
        LOG.info("encryption on {} starts at epoch {} ({}): {} verified peers in {}, {} Ward SAs in the kernel",
                local.name(), ownEpoch, newEpoch ? "new" : "recovered from " + keyringFile.path(),
                peers.members().size(), store.describe(), kernelSas.size());
        persistIfChanged();
        // What peers hold now is the stored announcement, if the sessions took it back.
        published = own.filter(last -> last.epoch() == ownEpoch).orElse(null);
        NodeAnnouncement takenBack = published;
        applyDataplane();
        process(sessions.resume());
        if (takenBack != null && published == takenBack && !ownSigned.orElseThrow().leaf().equals(identity.current().leaf())) {
            // The SVID was renewed while the agent was down: peers must see the announcement under the new one.
            republishWithNewSvid();
        }

        List<RotationRequest> requests = store.rotationRequests();
        long newest = requests.stream().mapToLong(RotationRequest::sequence).max().orElse(0);
        if (firstStart) {
            // Requests made before this node existed are not for it.
            rotationRequestsHandled = Math.max(rotationRequestsHandled, newest);
            persistIfChanged();
        } else {
            requests.stream().filter(request -> request.appliesTo(local.name()))
                    .filter(request -> request.sequence() > rotationRequestsHandled)
                    .max(java.util.Comparator.comparingLong(RotationRequest::sequence))
                    .ifPresent(this::onRotationRequest);
        }
        if (identity.revoked()) {
            cutOffSelf();
        }
        scheduleRotation();
        long every = config.reconcileEvery().toMillis();
        loop.scheduleWithFixedDelay(() -> guarded(this::refresh), every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * The safety net behind the incremental kernel updates: reads the kernel in full and repairs whatever drifted
     * from the desired state, and reports the kernel's counters. The store is not read again: its watch resumes as
     * an informer does, delivering what changed while it was broken, deletions included.
     */
    private void refresh() {
        if (sessions != null && !kernelBehind) {
            reconcileKernel();
        }
        writeStatus();
    }

    private Optional<SignedNodeAnnouncement> ownLastAnnouncement() {
        Optional<AnnouncementEvent> stored = store.announcement(local.name());
        if (stored.isEmpty() || !(stored.get() instanceof AnnouncementEvent.Published published)) {
            stored.ifPresent(event -> LOG.warn("cannot use this node's stored announcement: {}", event));
            return Optional.empty();
        }
        try {
            verifier.verify(published.signed());
            return Optional.of(published.signed());
        } catch (AnnouncementRejectedException e) {
            LOG.warn("this node's stored announcement does not verify, starting a new epoch: {}", e.getMessage());
            return Optional.empty();
        }
    }

    // ---- events

    private void onAnnouncement(AnnouncementEvent event) {
        if (sessions == null || revoked) {
            return;
        }
        if (event.node().equals(local.name())) {
            // Removed or overwritten (by an operator, or forged by someone with store access): peers that start
            // later would not find this node, so it writes its own again.
            // Events of its own earlier writes arrive late; only what the store holds now counts.
            if (published != null && toPublish == null && !isCurrentOwn(event)
                    && !store.announcement(local.name()).map(this::isCurrentOwn).orElse(false)) {
                if (event instanceof AnnouncementEvent.Withdrawn && !presence.inCluster()) {
                    LOG.warn("this node's announcement was removed and the node is no longer in the cluster: not publishing it again");
                    departed = true;
                    return;
                }
                LOG.warn("this node's announcement in the store was {}; publishing it again",
                        event instanceof AnnouncementEvent.Withdrawn ? "removed" : "replaced");
                toPublish = published;
                publishPending();
            }
            return;
        }
        switch (event) {
            case AnnouncementEvent.Withdrawn withdrawn -> {
                peers.forget(withdrawn.node());
                process(new SessionEvent.PeerRemoved(withdrawn.node(), "its announcement was removed from the store"));
            }
            default -> verify(event).ifPresent(news -> process(new SessionEvent.PeerAnnounced(news)));
        }
        writeStatus();
    }

    private boolean isCurrentOwn(AnnouncementEvent event) {
        return event instanceof AnnouncementEvent.Published own && own.signed().announcement().equals(published)
                && own.signed().leaf().equals(identity.current().leaf());
    }

    /** Verifies a stored announcement; refusals are logged with the reason and kept for the status record. */
    private Optional<NodeAnnouncement> verify(AnnouncementEvent event) {
        String node = event.node();
        switch (event) {
            case AnnouncementEvent.Malformed malformed -> {
                refuse(node, "unreadable announcement: " + malformed.reason());
                return Optional.empty();
            }
            case AnnouncementEvent.Withdrawn withdrawn -> {
                return Optional.empty();
            }
            case AnnouncementEvent.Published published -> {
                Optional<String> refusedBefore = peers.refusalOf(node);
                try {
                    Optional<NodeAnnouncement> news = peers.accept(published.signed());
                    if (news.isEmpty() && sessions != null && !sessions.peers().contains(node)) {
                        // Seen before, then forgotten (withdrawn, or its SVID failed and verifies again): admit it anew.
                        return Optional.of(published.signed().announcement());
                    }
                    return news;
                } catch (AnnouncementRejectedException e) {
                    // KnownPeers recorded the refusal with the announcement, for a retry when the trust changes.
                    if (!refusedBefore.equals(Optional.of(e.getMessage()))) {
                        LOG.warn("refused the announcement of {}: {}", node, e.getMessage());
                    }
                    return Optional.empty();
                }
            }
        }
    }

    private void refuse(String node, String reason) {
        if (peers.refuse(node, reason)) {
            LOG.warn("refused the announcement of {}: {}", node, reason);
        }
    }

    /** The bundle or CRL changed: every member must still verify (a revoked one is cut off now), and refused ones may now. */
    private void verifyMembersAgain() {
        if (sessions == null || revoked) {
            return;
        }
        peers.verifyMembersAgain().forEach((node, reason) -> {
            LOG.warn("refused the announcement of {}: {}", node, reason);
            process(new SessionEvent.PeerRemoved(node, reason));
        });
        for (SignedNodeAnnouncement refused : peers.refusedAnnouncements()) {
            verify(new AnnouncementEvent.Published(refused.announcement().node(), refused))
                    .ifPresent(news -> process(new SessionEvent.PeerAnnounced(news)));
        }
        writeStatus();
    }

    private void republishWithNewSvid() {
        if (published != null && !revoked && toPublish == null) {
            LOG.info("signing the announcement again with the renewed SVID");
            toPublish = published;
            publishPending();
        }
    }

    /** The node's own SVID is revoked: it must not take part any more. Its block policies stay, so its pods reach no one. */
    private void cutOffSelf() {
        if (revoked || sessions == null) {
            return;
        }
        LOG.error("node {} is revoked: removing every peer's SAs and policies, it can exchange nothing with other nodes", local.name());
        revoked = true;
        toPublish = null;
        for (String peer : sessions.peers()) {
            process(new SessionEvent.PeerRemoved(peer, "this node was revoked"));
        }
        if (rotationTimer != null) {
            rotationTimer.cancel(false);
        }
        writeStatus();
    }

    private void onRotationRequest(RotationRequest request) {
        if (sessions == null || !request.appliesTo(local.name()) || request.sequence() <= rotationRequestsHandled) {
            return;
        }
        rotationRequestsHandled = request.sequence();
        rotate("an operator asked " + request.target() + " to rotate at " + request.requestedAt());
    }

    private void rotate(String why) {
        if (sessions == null || revoked) {
            return;
        }
        LOG.info("rotating keys: {}", why);
        process(new SessionEvent.RotationRequested());
    }

    private void scheduleRotation() {
        if (rotationTimer != null) {
            rotationTimer.cancel(false);
        }
        if (revoked) {
            return;
        }
        Instant due = lastRotation.orElse(clock.instant()).plus(config.rotateEvery());
        long delay = Math.max(0, Duration.between(clock.instant(), due).toMillis());
        rotationTimer = loop.schedule(() -> guarded(() -> rotate("scheduled every " + config.rotateEvery())), delay, TimeUnit.MILLISECONDS);
    }

    // ---- carrying out

    private void process(SessionEvent event) {
        if (sessions == null || (revoked && !(event instanceof SessionEvent.PeerRemoved))) {
            return;
        }
        long epochBefore = sessions.currentEpoch();
        List<SessionAction> actions = sessions.handle(event);
        if (sessions.currentEpoch() != epochBefore) {
            lastRotation = Optional.of(clock.instant());
            LOG.info("node {} moved to epoch {}", local.name(), sessions.currentEpoch());
            scheduleRotation();
        }
        process(actions);
    }

    private void process(List<SessionAction> actions) {
        for (SessionAction action : actions) {
            switch (action) {
                case SessionAction.AdmitPeer admit -> LOG.info("admitted peer {}: its pods are accepted only through ESP", admit.peer());
                case SessionAction.InstallInboundSa install -> LOG.debug("installing inbound {}", install.sa());
                case SessionAction.SwitchOutbound next -> LOG.info("sending to {} on {}", next.peer(), next.sa());
                case SessionAction.ScheduleDrain drain -> loop.schedule(() -> guarded(() -> process(new SessionEvent.DrainElapsed(drain.sa()))),
                        drain.after().toMillis(), TimeUnit.MILLISECONDS);
                case SessionAction.RemoveSa remove -> LOG.debug("removing {}", remove.sa());
                case SessionAction.CutOffPeer cut -> LOG.info("cut off peer {}: {}", cut.peer(), cut.why());
                case SessionAction.PublishAnnouncement publish -> toPublish = publish.announcement();
                case SessionAction.PeerRefused refused -> refuse(refused.peer(), refused.reason());
            }
        }
        persistIfChanged();
        if (applyDataplane()) {
            publishPending();
        }
        writeStatus();
    }

    /** The keyring goes to disk before anything that depends on it reaches the kernel or the store. */
    private void persistIfChanged() {
        PersistedKeys now = new PersistedKeys(sessions.keyring(), rotationRequestsHandled, lastRotation);
        if (!now.equals(persisted)) {
            keyringFile.save(now);
            persisted = now;
        }
    }

    /**
     * Brings the kernel to {@link PeerSessions#dataplane()} by what changed since the last write (no dump); see
     * {@link KernelReconciler}. False if the kernel refused part of it: a retry follows, reading the kernel in full.
     */
    private boolean applyDataplane() {
        return program(() -> kernelState.sync(desiredKernel()));
    }

    /** Reads the kernel in full and repairs drift (the periodic safety net, and the retry after a refusal). */
    private boolean reconcileKernel() {
        return program(() -> kernelState.reconcile(desiredKernel()));
    }

    private KernelDataplane desiredKernel() {
        return sessions.dataplane().inKernel();
    }

    private boolean program(java.util.function.Supplier<KernelReconciler.Outcome<DataplaneDiff>> step) {
        try {
            KernelReconciler.Outcome<DataplaneDiff> outcome = step.get();
            if (!outcome.applied().isEmpty()) {
                LOG.debug("kernel: {}{}", outcome.applied(), outcome.readInFull() ? " (after a full read)" : "");
            }
            sasInstalled = desiredKernel().sas().size();
            kernelBehind = false;
            return true;
        } catch (RuntimeException e) {
            LOG.error("the kernel refused part of the encryption dataplane (retrying in {}): {}", RETRY, e.getMessage());
            kernelBehind = true;
            scheduleRetry();
            return false;
        }
    }

    /** How often the kernel was read in full, and drift found and repaired; for tests and status. */
    long kernelFullReads() {
        return call(() -> kernelState.fullReads());
    }

    long kernelDriftsRepaired() {
        return call(() -> kernelState.driftsRepaired());
    }

    private void publishPending() {
        if (toPublish == null || revoked || departed) {
            return;
        }
        NodeSvid svid = identity.current();
        try {
            store.publish(SignedNodeAnnouncement.sign(toPublish, svid.chain(), svid.key()));
            if (published == null || published.epoch() != toPublish.epoch()) {
                LOG.info("published epoch {} of {}", toPublish.epoch(), local.name());
            }
            published = toPublish;
            toPublish = null;
        } catch (RuntimeException e) {
            LOG.warn("cannot publish the announcement (retrying in {}): {}", RETRY, e.getMessage());
            scheduleRetry();
        }
    }

    private void scheduleRetry() {
        if (retryTimer == null || retryTimer.isDone()) {
            retryTimer = loop.schedule(() -> guarded(() -> {
                retryTimer = null; // this run is over as far as scheduling goes: a failure in it schedules the next
                if (applyDataplane()) {
                    publishPending();
                }
                writeStatus();
            }), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void writeStatus() {
        if (sessions == null) {
            return;
        }
        EncryptionStatus status = currentStatus();
        if (status.sameStateAs(lastStatus)) {
            return;
        }
        try {
            store.writeStatus(status);
            lastStatus = status;
        } catch (RuntimeException e) {
            LOG.warn("cannot write the status record: {}", e.getMessage());
        }
    }

    private EncryptionStatus currentStatus() {
        long epoch = sessions.currentEpoch();
        List<String> inSession = new ArrayList<>(sessions.peers());
        inSession.sort(null);
        List<String> encrypted = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        for (String peer : inSession) {
            Optional<PeerSa> outbound = sessions.outboundTo(peer);
            outbound.ifPresent(sa -> encrypted.add(peer));
            if (outbound.isEmpty() || outbound.get().id().senderEpoch() != epoch) {
                pending.add(peer);
            }
        }
        return new EncryptionStatus(local.name(), epoch, lastRotation.orElse(null), inSession, encrypted, pending,
                peers.refusedReasons(), kernelBehind ? -1 : sasInstalled, kernelErrors(), revoked, clock.instant());
    }

    /** Read at most every {@link #COUNTERS_MAX_AGE}: status is written after every event, the counters need not be. */
    private Map<String, Long> kernelErrors() {
        Instant now = clock.instant();
        if (countersReadAt == null || Duration.between(countersReadAt, now).compareTo(COUNTERS_MAX_AGE) >= 0) {
            countersReadAt = now;
            try {
                counters = kernelErrors.get();
                countersFailing = false;
            } catch (RuntimeException e) {
                if (!countersFailing) {
                    LOG.warn("cannot read the kernel's xfrm error counters (status shows the last ones read): {}", e.getMessage());
                }
                countersFailing = true;
            }
        }
        return counters;
    }

    // ---- the loop

    private void submit(Runnable task) {
        try {
            loop.execute(() -> guarded(task));
        } catch (RejectedExecutionException closed) {
            // the agent is closed: late store or kernel events are dropped
        }
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.error("encryption event failed: {}", e.toString(), e);
        }
    }

    private <T> T call(Callable<T> task) {
        try {
            return loop.submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }
}
