package dev.ward.keyd.daemon;

import dev.ward.store.DaemonThreads;
import dev.ward.keyd.IssuanceRefusedException;
import dev.ward.keyd.JoinToken;
import dev.ward.keyd.JoinTokens;
import dev.ward.keyd.NodeRecord;
import dev.ward.keyd.SvidSigner;
import dev.ward.keyd.attest.JoinTokenAttestor;
import dev.ward.keyd.attest.RenewalAttestor;
import dev.ward.keyd.attest.Verdict;
import dev.ward.store.CorruptRecordException;
import dev.ward.store.StoredJson;
import dev.ward.trust.TrustRepository;
import dev.ward.trust.kv.EnrollmentRequest;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.PrefixCache;
import dev.ward.trust.kv.KvKeys;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;
import dev.ward.pki.CsrRejectedException;
import dev.ward.pki.NodeCsr;
import dev.ward.pki.NodeCsrInspector;
import dev.ward.pki.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * keyd's answer to enrollment requests in etcd or a directory. It watches the request prefix, attests each
 * pending request (join token or renewal proof), and writes the answer in one guarded transaction together with
 * the node record and the consumed token. Two replicas may work on the same request; only the transaction whose
 * guards still hold commits, so a request is answered once and a token used once.
 */
public final class KvEnrollmentProcessor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvEnrollmentProcessor.class);
    private static final int ATTEMPTS = 5;

    private final VersionedKv kv;
    private final TrustRepository trust;
    private final SvidSigner signer;
    private final NodeCsrInspector inspector;
    private final JoinTokenAttestor tokens;
    private final RenewalAttestor renewals;
    private final Clock clock;
    private final ExecutorService worker = DaemonThreads.single("ward-keyd-enrollment");
    /** The requests, followed: new ones are answered as they arrive, answered ones collected from memory. */
    private PrefixCache requests;
    private volatile boolean closing;

    public KvEnrollmentProcessor(VersionedKv kv, TrustRepository trust, SvidSigner signer, NodeCsrInspector inspector,
                                 RenewalAttestor renewals, Clock clock) {
        this.kv = kv;
        this.trust = trust;
        this.signer = signer;
        this.inspector = inspector;
        this.tokens = new JoinTokenAttestor(inspector);
        this.renewals = renewals;
        this.clock = clock;
    }

    public void start() {
        // The listing arrives as events too: requests made while no keyd ran are answered now.
        requests = new PrefixCache(kv, KvKeys.REQUESTS, event -> {
            if (!event.deleted()) worker.execute(() -> processSafely(event.key()));
        });
    }

    /** Deletes answered requests older than {@code retention} (the agent has long read them). */
    public int deleteAnswered(Duration retention) {
        Instant cutoff = clock.instant().minus(retention);
        int deleted = 0;
        for (KvEntry e : requests.entries()) {
            EnrollmentRequest r;
            try {
                r = StoredJson.read(e.text(), EnrollmentRequest.class, e.key());
            } catch (CorruptRecordException ex) {
                continue;
            }
            if (!r.pending() && r.decidedAt() != null && r.decidedAt().isBefore(cutoff)
                    && kv.commit(new KvTxn().expect(e.key(), e.version()).delete(e.key()))) {
                deleted++;
            }
        }
        return deleted;
    }

    private void processSafely(String key) {
        try {
            process(key);
        } catch (RuntimeException e) {
            if (!closing) LOG.error("cannot process enrollment request {}: {}", key, e.getMessage(), e);
        }
    }

    /** Answers the request at {@code key} if it is still pending. Visible for tests that drive it directly. */
    public void process(String key) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<KvEntry> entry = kv.get(key);
            if (entry.isEmpty()) return;
            EnrollmentRequest request;
            try {
                request = StoredJson.read(entry.get().text(), EnrollmentRequest.class, key);
            } catch (CorruptRecordException e) {
                LOG.warn("ignoring unreadable enrollment request {}: {}", key, e.getMessage());
                return;
            }
            if (!request.pending()) return;
            if (answer(key, entry.get().version(), request)) return;
        }
        LOG.warn("enrollment request {} kept changing under keyd; leaving it for the next event", key);
    }

    /** One attempt; false if a guard failed (someone else moved first) and the request must be re-read. */
    private boolean answer(String key, long version, EnrollmentRequest request) {
        Instant now = clock.instant();
        if (request.node() == null || !key.equals(KvKeys.request(request.node(), String.valueOf(request.id())))) {
            return deny(key, version, request, "MalformedRequest", "the request's node and id do not match its key " + key);
        }
        String nodeKey = KvKeys.node(request.node());
        Optional<KvEntry> nodeEntry = kv.get(nodeKey);
        Optional<NodeRecord> record = nodeEntry.map(e -> StoredJson.read(e.text(), NodeRecord.class, nodeKey));

        String tokenKey = null;
        Optional<KvEntry> tokenEntry = Optional.empty();
        Verdict verdict;
        if (request.joinToken() != null) {
            tokenKey = KvKeys.token(JoinTokens.hash(request.joinToken()));
            tokenEntry = kv.get(tokenKey);
            Optional<JoinToken> stored = tokenEntry.map(e -> StoredJson.read(e.text(), JoinToken.class, "join token"));
            verdict = tokens.decide(request.csr(), stored, record, now);
        } else if (request.renewalChain() != null || request.renewalSignature() != null) {
            verdict = decideRenewal(request, record);
        } else {
            verdict = Verdict.deny("NoEvidence", "the request carries neither a join token nor a renewal proof");
        }

        if (verdict instanceof Verdict.Deny(String reason, String message)) {
            return deny(key, version, request, reason, message);
        }
        NodeCsr csr = ((Verdict.Approve) verdict).csr();
        SvidSigner.Signed signed;
        try {
            signed = signer.sign(csr, request.id(), Optional.empty());
        } catch (IssuanceRefusedException e) {
            return deny(key, version, request, "IssuanceRefused", e.getMessage());
        }
        NodeRecord updated = record.orElse(NodeRecord.empty(request.node())).withIssued(signed.record(), now);
        KvTxn txn = new KvTxn()
                .expect(key, version)
                .expect(nodeKey, nodeEntry.map(KvEntry::version).orElse(0L))
                .put(nodeKey, StoredJson.write(updated))
                .put(key, StoredJson.write(request.issued(Pem.encode(signed.svid()), now)));
        if (tokenKey != null) {
            KvEntry t = tokenEntry.orElseThrow();
            JoinToken used = StoredJson.read(t.text(), JoinToken.class, "join token").used(now);
            txn.expect(tokenKey, t.version()).put(tokenKey, StoredJson.write(used));
        }
        boolean committed = kv.commit(txn);
        if (committed) {
            LOG.info("issued SVID serial {} to node {} ({})", signed.svid().getSerialNumber().toString(16), request.node(),
                    tokenKey != null ? "join token" : "renewal");
        }
        return committed;
    }

    private Verdict decideRenewal(EnrollmentRequest request, Optional<NodeRecord> record) {
        NodeCsr csr;
        try {
            csr = inspector.inspect(request.csr());
        } catch (CsrRejectedException e) {
            return Verdict.deny(e.reason().conditionReason(), e.getMessage());
        }
        var published = trust.read();
        if (published.isEmpty()) return Verdict.deny("NoTrustBundle", "no trust bundle is published yet");
        return renewals.decide(csr, request.renewalChain(), request.renewalSignature(), published.get().value().clusterTrust(), record);
    }

    private boolean deny(String key, long version, EnrollmentRequest request, String reason, String message) {
        boolean committed = kv.commit(new KvTxn().expect(key, version)
                .put(key, StoredJson.write(request.denied(reason, message, clock.instant()))));
        if (committed) LOG.warn("denied enrollment request {} for node {}: {}: {}", request.id(), request.node(), reason, message);
        return committed;
    }

    @Override
    public void close() {
        closing = true;
        if (requests != null) requests.close();
        worker.shutdownNow();
    }
}
