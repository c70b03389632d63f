package dev.ward.keyd.daemon;

import dev.ward.store.DaemonThreads;
import dev.ward.keyd.KeydSettings;
import dev.ward.keyd.SvidSigner;
import dev.ward.keyd.TrustPublication;
import dev.ward.keyd.TrustPublisher;
import dev.ward.keyd.attest.KubernetesCsrAttestor;
import dev.ward.keyd.attest.RenewalAttestor;
import dev.ward.keyd.k8s.DepartedNodeCollector;
import dev.ward.keyd.k8s.KubernetesCsrSigner;
import dev.ward.store.NodeRemoval;
import dev.ward.keyd.k8s.KubernetesIdentityStore;
import dev.ward.keyd.store.FollowedNodeRecords;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.store.Subscription;
import dev.ward.keyd.store.kv.KvIdentityStore;
import dev.ward.pki.NodeCsrInspector;
import dev.ward.pki.SvidVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The key daemon: answers enrollment requests (the Kubernetes CSR API, or request records in etcd/a directory)
 * and keeps the published trust current (CRLs re-signed at half-life, bundle equal to the keyring, altered
 * bundles overwritten, expired tokens and old requests removed). Any number of replicas may run; every write is a
 * compare-and-set.
 */
public final class KeyDaemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyDaemon.class);

    private final IdentityStore store;
    private final KeydSettings settings;
    private final Clock clock;
    private final TrustPublication publication;
    /** Followed, not listed: the periodic CRL check reads them from memory (see {@link FollowedNodeRecords}). */
    private final FollowedNodeRecords records;
    private final ScheduledExecutorService maintenance = DaemonThreads.single("ward-keyd-maintenance");
    private AutoCloseable requests;
    private DepartedNodeCollector departures;
    private KvEnrollmentProcessor kvProcessor;
    private Subscription trustWatch;
    private volatile boolean closing;
    /** Set once start() ran its own first maintenance: earlier change callbacks (the followed listing) wait for it. */
    private volatile boolean started;

    private KeyDaemon(IdentityStore store, KeydSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        // A changed record (a revocation whose publication did not happen) is checked at once, not at the next tick;
        // callbacks before start() has run its first maintenance are dropped (see maintainSoon).
        this.records = store.nodes().follow(this::maintainSoon);
        this.publication = new TrustPublication(store, new TrustPublisher(settings.crlValidity()), clock, records::listing);
    }

    /**
     * Starts keyd. Fails fast if the CA was never created here, with the command that creates it.
     *
     * @param replica a name for this replica in logs and CSR conditions
     */
    public static KeyDaemon start(IdentityStore store, KeydSettings settings, Clock clock, String replica) {
        KeyDaemon d = new KeyDaemon(store, settings, clock);
        var keyring = store.caKeys().require().value();
        LOG.info("keyd {} starting on {} with CA {} (trust domain {})", replica, store.describe(), keyring.active().id(),
                keyring.active().trustDomain());
        d.maintain();
        d.started = true;
        SvidVerifier verifier = new SvidVerifier(clock);
        NodeCsrInspector inspector = new NodeCsrInspector(keyring.active().trustDomain());
        SvidSigner signer = new SvidSigner(store.caKeys(), store.trust(), settings.svidTtl(), clock);
        RenewalAttestor renewals = new RenewalAttestor(verifier);
        switch (store) {
            case KubernetesIdentityStore k8s -> {
                KubernetesCsrSigner s = new KubernetesCsrSigner(k8s.client(), store,
                        new KubernetesCsrAttestor(inspector, k8s.namespace(), renewals), signer, clock, replica);
                s.start();
                d.requests = s;
                d.departures = new DepartedNodeCollector(k8s.client(), NodeRemoval.registered());
                d.departures.start();
            }
            case KvIdentityStore kv -> {
                d.kvProcessor = new KvEnrollmentProcessor(kv.kv(), store.trust(), signer, inspector, renewals, clock);
                d.kvProcessor.start();
                d.requests = d.kvProcessor;
            }
            default -> throw new IllegalArgumentException("keyd does not support store " + store.describe());
        }
        // Someone editing the published bundle is noticed at once, not at the next maintenance tick.
        d.trustWatch = store.trust().watch(state -> d.maintainSoon(), tampered -> d.maintainSoon());
        long every = settings.maintenanceInterval().toMillis();
        d.maintenance.scheduleWithFixedDelay(d::maintain, every, every, TimeUnit.MILLISECONDS);
        return d;
    }

    private void maintainSoon() {
        if (!started) return;
        try {
            maintenance.execute(this::maintain);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // keyd is shutting down
        }
    }

    private void maintain() {
        try {
            publication.refreshIfStale();
            Instant now = clock.instant();
            store.joinTokens().ifPresent(t -> t.deleteExpired(now, settings.requestRetention()));
            if (kvProcessor != null) kvProcessor.deleteAnswered(settings.requestRetention());
        } catch (RuntimeException e) {
            if (!closing) LOG.error("keyd maintenance failed: {}", e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closing = true;
        if (trustWatch != null) trustWatch.close();
        records.close();
        maintenance.shutdownNow();
        if (departures != null) departures.close();
        if (requests != null) {
            try {
                requests.close();
            } catch (Exception e) {
                LOG.warn("closing the request processor: {}", e.getMessage());
            }
        }
    }
}
