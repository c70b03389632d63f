package dev.ward.agent.identity;

import dev.ward.store.DaemonThreads;
import dev.ward.trust.TrustState;
import dev.ward.store.Subscription;
import dev.ward.trust.TrustRepository;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.NodeCsrs;
import dev.ward.pki.NodeIdentity;
import dev.ward.pki.RenewalProof;
import dev.ward.pki.SvidRejectedException;
import dev.ward.pki.SvidVerifier;
import dev.ward.pki.VerifiedSvid;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node's identity, kept current: bootstraps an SVID (join token, or the Kubernetes CSR API), renews it at half
 * its lifetime with a proof by the current key (and soon after a CA rotation), keeps the state directory's files
 * current, and follows the published bundle and CRL through a store watch. Other components (the encryption
 * layer) read {@link #current()} and {@link #trust()}, verify peers with {@link #verifyPeer}, and subscribe to
 * changes with {@link #addListener}. All state changes happen on one thread, in order.
 */
public final class NodeIdentityAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeIdentityAgent.class);

    private final AgentSettings settings;
    private final SvidRequester requester;
    private final TrustRepository trustSource;
    private final String joinToken;
    private final Clock clock;
    private final SvidVerifier verifier;
    private final StateDirectory state;
    private final List<IdentityListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService loop;

    private volatile ClusterTrust trust;
    private volatile NodeSvid current;
    private volatile boolean revoked;
    private ScheduledFuture<?> renewal;
    private Duration backoff;
    private Subscription trustWatch;

    private NodeIdentityAgent(AgentSettings settings, SvidRequester requester, TrustRepository trustSource, String joinToken, Clock clock) {
        this.settings = settings;
        this.requester = requester;
        this.trustSource = trustSource;
        this.joinToken = joinToken;
        this.clock = clock;
        this.verifier = new SvidVerifier(clock);
        this.state = new StateDirectory(settings.stateDir());
        this.backoff = settings.retryBackoff();
        this.loop = DaemonThreads.single("ward-agent-identity-" + settings.node());
    }

    /**
     * Follows the published trust, then reuses a valid SVID from the state directory or bootstraps one.
     *
     * @param joinToken the one-time token for clusters without Kubernetes; null in Kubernetes or when the state
     *                  directory already holds a valid SVID
     */
    public static NodeIdentityAgent start(AgentSettings settings, SvidRequester requester, TrustRepository trustSource,
                                          String joinToken, Clock clock) throws IdentityUnavailableException {
        NodeIdentityAgent agent = new NodeIdentityAgent(settings, requester, trustSource, joinToken, clock);
        try {
            agent.followTrust();
            agent.onLoop(agent::establish);
            return agent;
        } catch (IdentityUnavailableException | RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    public void addListener(IdentityListener listener) {
        listeners.add(listener);
    }

    public void removeListener(IdentityListener listener) {
        listeners.remove(listener);
    }

    public NodeSvid current() {
        return current;
    }

    public ClusterTrust trust() {
        return trust;
    }

    /** True once the published CRL lists this node's SVID; the agent then stops renewing. */
    public boolean revoked() {
        return revoked;
    }

    public NodeIdentity identity() {
        return new NodeIdentity(trust.bundle().trustDomain(), settings.node());
    }

    /** Verifies a peer's chain against the current bundle and CRL with Ward's one verifier. */
    public VerifiedSvid verifyPeer(List<X509Certificate> chain, String expectedNode) throws SvidRejectedException {
        return verifier.verify(chain, trust, expectedNode);
    }

    private void followTrust() throws IdentityUnavailableException {
        CompletableFuture<Void> first = new CompletableFuture<>();
        trustWatch = trustSource.watch(
                published -> runOnLoop(() -> {
                    onTrust(published.value());
                    first.complete(null);
                }),
                tampered -> LOG.error("ignoring an unverifiable trust bundle, keeping the last good one: {}", tampered.getMessage()));
        try {
            first.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IdentityUnavailableException("no trust bundle is published in " + trustSource.describe()
                    + " within " + settings.requestTimeout() + ": create the CA with `wardctl ca init` and start keyd");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IdentityUnavailableException("interrupted while waiting for the trust bundle", e);
        } catch (ExecutionException e) {
            throw new IdentityUnavailableException("cannot read the trust bundle: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void establish() throws IdentityUnavailableException {
        Optional<NodeSvid> stored = state.loadSvid();
        if (stored.isPresent()) {
            try {
                verifier.verify(stored.get().chain(), trust, settings.node());
                LOG.info("node {} reuses its SVID {} from {}", settings.node(), stored.get(), state.path());
                current = stored.get();
                // When it was received is unknown after a restart; notBefore is the conservative start.
                scheduleRenewal(RenewalPolicy.issuerRetiring(current.leaf(), trust) ? jitter()
                        : untilRenewal(current.leaf().getNotBefore().toInstant()));
                return;
            } catch (SvidRejectedException e) {
                LOG.info("the SVID in {} is not usable ({}); bootstrapping a new one", state.path(), e.getMessage());
            }
        }
        bootstrap();
    }

    private void bootstrap() throws IdentityUnavailableException {
        if (!requester.attestsWithoutToken() && joinToken == null) {
            throw new IdentityUnavailableException("node " + settings.node() + " has no valid SVID in " + state.path()
                    + " and no join token: create one with `wardctl node token create " + settings.node() + "` and pass it with --token");
        }
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        PKCS10CertificationRequest csr = NodeCsrs.create(keys, identity());
        try {
            List<X509Certificate> chain = requester.request(SvidRequest.bootstrap(settings.node(), NodeCsrs.pem(csr), joinToken), settings.requestTimeout());
            accept(chain, keys);
        } catch (EnrollmentDeniedException e) {
            throw new IdentityUnavailableException("keyd refused to bootstrap node " + settings.node() + ": " + e.getMessage(), e);
        } catch (IOException | TimeoutException e) {
            throw new IdentityUnavailableException("cannot bootstrap node " + settings.node() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IdentityUnavailableException("interrupted while bootstrapping", e);
        }
    }

    private void renew() {
        if (revoked) return;
        NodeSvid old = current;
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        PKCS10CertificationRequest csr = NodeCsrs.create(keys, identity());
        try {
            String proof = Base64.getEncoder().encodeToString(RenewalProof.sign(old.key(), csr.getEncoded()));
            List<X509Certificate> chain = requester.request(
                    SvidRequest.renewal(settings.node(), NodeCsrs.pem(csr), old.chainPem(), proof), settings.requestTimeout());
            accept(chain, keys);
            backoff = settings.retryBackoff();
            LOG.info("node {} renewed its SVID: {} replaces {}", settings.node(), current, old);
        } catch (EnrollmentDeniedException e) {
            LOG.error("keyd refused to renew node {}: {}", settings.node(), e.getMessage());
            if ("NodeRevoked".equals(e.reason())) {
                markRevoked();
                return;
            }
            if (requester.attestsWithoutToken() && !old.notAfter().isAfter(clock.instant())) {
                recoverByBootstrap();
                return;
            }
            retryLater();
        } catch (IOException | TimeoutException | RuntimeException e) {
            LOG.warn("renewal of node {} failed, retrying in {}: {}", settings.node(), backoff, e.getMessage());
            retryLater();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** In Kubernetes an expired SVID is not fatal: the ServiceAccount token attests the node again. */
    private void recoverByBootstrap() {
        try {
            bootstrap();
        } catch (IdentityUnavailableException e) {
            LOG.error("{}", e.getMessage());
            retryLater();
        }
    }

    private void accept(List<X509Certificate> chain, KeyPair keys) throws IOException {
        if (!chain.getFirst().getPublicKey().equals(keys.getPublic())) {
            throw new IOException("keyd returned an SVID for a different key than the one this node requested");
        }
        try {
            verifier.verify(chain, trust, settings.node());
        } catch (SvidRejectedException first) {
            // keyd publishes a new CA before it signs with it; the watch may merely be a moment behind.
            trustSource.read().ifPresent(v -> onTrust(v.value()));
            try {
                verifier.verify(chain, trust, settings.node());
            } catch (SvidRejectedException e) {
                throw new IOException("keyd returned an SVID that does not verify: " + e.getMessage(), e);
            }
        }
        NodeSvid svid = new NodeSvid(chain, keys.getPrivate());
        state.saveSvid(svid);
        current = svid;
        for (IdentityListener l : listeners) l.svidChanged(svid);
        scheduleRenewal(untilRenewal(clock.instant()));
    }

    private void onTrust(TrustState published) {
        ClusterTrust next = published.clusterTrust();
        trust = next;
        try {
            state.saveTrust(next);
        } catch (IOException e) {
            // An interrupt during shutdown surfaces as ClosedByInterruptException, whose message is null: name the type.
            LOG.error("cannot write the trust bundle to {}: {}", state.path(), e.toString());
        }
        for (IdentityListener l : listeners) l.trustChanged(next);
        NodeSvid svid = current;
        if (svid == null || revoked) return;
        try {
            verifier.verify(svid.chain(), next, settings.node());
            if (RenewalPolicy.issuerRetiring(svid.leaf(), next)) scheduleRenewal(jitter());
        } catch (SvidRejectedException e) {
            if (e.reason() == SvidRejectedException.Reason.REVOKED) markRevoked();
            else LOG.warn("node {}'s own SVID no longer verifies: {}", settings.node(), e.getMessage());
        }
    }

    private void markRevoked() {
        if (revoked) return;
        revoked = true;
        if (renewal != null) renewal.cancel(false);
        LOG.error("node {} has been revoked: its SVID {} is in the published CRL; it will not renew", settings.node(), current);
        for (IdentityListener l : listeners) l.svidRevoked(current);
    }

    private Duration untilRenewal(Instant receivedAt) {
        Duration d = Duration.between(clock.instant(), RenewalPolicy.renewAt(current.leaf(), settings.renewAtFraction(), receivedAt));
        return d.isNegative() ? Duration.ZERO : d;
    }

    private Duration jitter() {
        long max = settings.rotationJitter().toMillis();
        return Duration.ofMillis(max <= 0 ? 0 : ThreadLocalRandom.current().nextLong(max + 1));
    }

    private void retryLater() {
        Duration wait = backoff;
        backoff = backoff.multipliedBy(2).compareTo(AgentSettings.MAX_BACKOFF) > 0 ? AgentSettings.MAX_BACKOFF : backoff.multipliedBy(2);
        scheduleRenewal(wait);
    }

    private void scheduleRenewal(Duration delay) {
        if (renewal != null) renewal.cancel(false);
        Instant at = clock.instant().plus(delay);
        LOG.debug("node {} renews at {}", settings.node(), at);
        renewal = loop.schedule(this::renew, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs on the agent's thread; after {@link #close()} a late store event is simply dropped. */
    private void runOnLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the agent is closed
        }
    }

    private interface Step {
        void run() throws IdentityUnavailableException;
    }

    private void onLoop(Step step) throws IdentityUnavailableException {
        try {
            loop.submit(() -> {
                step.run();
                return null;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IdentityUnavailableException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IdentityUnavailableException u) throw u;
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IdentityUnavailableException(e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() {
        if (trustWatch != null) trustWatch.close();
        loop.shutdownNow();
    }

}
