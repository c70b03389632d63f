package dev.ward.agent.identity;

import dev.ward.store.StoredJson;
import dev.ward.store.Subscription;
import dev.ward.trust.kv.EnrollmentRequest;
import dev.ward.trust.kv.KvKeys;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;
import dev.ward.pki.Pem;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Requests an SVID through etcd or a directory: writes a request record and watches it for keyd's answer. */
public final class KvSvidRequester implements SvidRequester {
    private final VersionedKv kv;
    private final Clock clock;

    public KvSvidRequester(VersionedKv kv, Clock clock) {
        this.kv = kv;
        this.clock = clock;
    }

    @Override
    public List<X509Certificate> request(SvidRequest r, Duration timeout)
            throws EnrollmentDeniedException, IOException, TimeoutException, InterruptedException {
        String id = UUID.randomUUID().toString();
        String key = KvKeys.request(r.node(), id);
        EnrollmentRequest record = r.isRenewal()
                ? EnrollmentRequest.renewal(id, r.node(), r.csrPem(), r.renewalChainPem(), r.renewalSignature(), clock.instant())
                : EnrollmentRequest.withToken(id, r.node(), r.csrPem(), r.joinToken(), clock.instant());
        CompletableFuture<EnrollmentRequest> answer = new CompletableFuture<>();
        try (Subscription ignored = kv.watch(key, event -> {
            if (event.deleted() || !event.key().equals(key)) return;
            EnrollmentRequest seen = StoredJson.read(event.text(), EnrollmentRequest.class, key);
            if (!seen.pending()) answer.complete(seen);
        })) {
            if (!kv.commit(new KvTxn().expectAbsent(key).put(key, StoredJson.write(record)))) {
                throw new IOException("request key " + key + " exists already");
            }
            EnrollmentRequest done = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (done.status() == EnrollmentRequest.Status.DENIED) {
                throw new EnrollmentDeniedException(done.denialReason(), done.denialMessage());
            }
            return Pem.certificates(done.certificateChain(), "the issued SVID chain");
        } catch (ExecutionException e) {
            throw new IOException("cannot read keyd's answer: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new TimeoutException("keyd did not answer request " + key + " within " + timeout + " (is keyd running on " + kv.describe() + "?)");
        } finally {
            // The answer has been read (or will never be): the request has nothing left to say.
            kv.commit(new KvTxn().delete(key));
        }
    }

    @Override
    public boolean attestsWithoutToken() {
        return false;
    }
}
