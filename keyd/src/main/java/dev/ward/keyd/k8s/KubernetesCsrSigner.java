package dev.ward.keyd.k8s;

import dev.ward.store.DaemonThreads;
import dev.ward.trust.k8s.Conflicts;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.keyd.IssuanceRefusedException;
import dev.ward.keyd.NodeRecord;
import dev.ward.keyd.NodeRecords;
import dev.ward.keyd.SvidSigner;
import dev.ward.keyd.attest.KubernetesCsrAttestor;
import dev.ward.keyd.attest.Verdict;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.store.Versioned;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.NodeCsr;
import dev.ward.pki.Pem;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * keyd as the Kubernetes signer {@value WardKubernetes#SIGNER_NAME}. It watches CSRs, attests each undecided one
 * for its signer and answers with a Denied condition or an Approved condition followed by the certificate.
 * The approval is written to the {@code approval} subresource with the resourceVersion keyd decided on, so when
 * two replicas race, the API server lets exactly one approve; only the approver signs.
 */
public final class KubernetesCsrSigner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesCsrSigner.class);
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final IdentityStore store;
    private final KubernetesCsrAttestor attestor;
    private final SvidSigner signer;
    private final Clock clock;
    private final String replica;
    private final ExecutorService worker = DaemonThreads.single("ward-keyd-csr-signer");
    private SharedIndexInformer<CertificateSigningRequest> informer;

    public KubernetesCsrSigner(KubernetesClient client, IdentityStore store, KubernetesCsrAttestor attestor, SvidSigner signer,
                               Clock clock, String replica) {
        this.client = client;
        this.store = store;
        this.attestor = attestor;
        this.signer = signer;
        this.clock = clock;
        this.replica = replica;
    }

    public void start() {
        informer = client.certificates().v1().certificateSigningRequests().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(CertificateSigningRequest csr) {
                enqueue(csr);
            }

            @Override
            public void onUpdate(CertificateSigningRequest old, CertificateSigningRequest csr) {
                enqueue(csr);
            }

            @Override
            public void onDelete(CertificateSigningRequest csr, boolean finalStateUnknown) {}
        });
    }

    private void enqueue(CertificateSigningRequest csr) {
        if (ours(csr) && undecided(csr)) {
            String name = csr.getMetadata().getName();
            worker.execute(() -> {
                try {
                    process(name);
                } catch (RuntimeException e) {
                    LOG.error("cannot process CSR {}: {}", name, e.getMessage(), e);
                }
            });
        }
    }

    /** Answers the CSR if it is still undecided. */
    public void process(String name) {
        CertificateSigningRequest csr = client.certificates().v1().certificateSigningRequests().withName(name).get();
        if (csr == null || !ours(csr) || !undecided(csr)) return;
        Verdict verdict = attestor.decide(requestOf(csr), new ClusterFacts());
        if (verdict instanceof Verdict.Deny(String reason, String message)) {
            if (setApproval(csr, condition("Denied", reason, message)).isPresent()) {
                LOG.warn("denied CSR {} ({}): {}: {}", name, csr.getSpec().getUsername(), reason, message);
            }
            return;
        }
        NodeCsr nodeCsr = ((Verdict.Approve) verdict).csr();
        Optional<CertificateSigningRequest> approved = setApproval(csr, condition("Approved", "WardNodeAttested",
                "node " + nodeCsr.node() + " attested by its node-bound ServiceAccount token; approved by keyd " + replica));
        if (approved.isEmpty()) return; // another replica moved first: it signs, not us
        sign(approved.get(), nodeCsr);
    }

    private void sign(CertificateSigningRequest csr, NodeCsr nodeCsr) {
        String name = csr.getMetadata().getName();
        Optional<Duration> requested = Optional.ofNullable(csr.getSpec().getExpirationSeconds()).map(s -> Duration.ofSeconds(s));
        SvidSigner.Signed signed;
        try {
            signed = signer.sign(nodeCsr, name, requested);
        } catch (IssuanceRefusedException e) {
            fail(csr, "IssuanceRefused", e.getMessage());
            return;
        }
        if (!NodeRecords.recordIssued(store.nodes(), nodeCsr.node(), signed.record(), clock.instant())) {
            fail(csr, "NodeRevoked", "node " + nodeCsr.node() + " was revoked while its CSR was being signed");
            return;
        }
        String chain = Base64.getEncoder().encodeToString(Pem.encode(signed.svid()).getBytes(StandardCharsets.US_ASCII));
        updateStatus(csr, status -> status.setCertificate(chain));
        LOG.info("signed CSR {}: SVID serial {} for node {}", name, signed.svid().getSerialNumber().toString(16), nodeCsr.node());
    }

    private void fail(CertificateSigningRequest csr, String reason, String message) {
        updateStatus(csr, status -> {
            List<CertificateSigningRequestCondition> conditions = new ArrayList<>(status.getConditions());
            conditions.add(condition("Failed", reason, message));
            status.setConditions(conditions);
        });
        LOG.warn("CSR {} failed: {}: {}", csr.getMetadata().getName(), reason, message);
    }

    /** Writes the status subresource; on a conflict re-reads (only the approver gets here) and tries again. */
    private void updateStatus(CertificateSigningRequest csr, java.util.function.Consumer<CertificateSigningRequestStatus> change) {
        CertificateSigningRequest current = csr;
        for (int i = 0; i < ATTEMPTS; i++) {
            change.accept(current.getStatus());
            try {
                client.certificates().v1().certificateSigningRequests().resource(current).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (!Conflicts.isConflict(e)) throw e;
                current = client.certificates().v1().certificateSigningRequests().withName(csr.getMetadata().getName()).get();
                if (current == null) return;
            }
        }
        throw new IllegalStateException("could not write the status of CSR " + csr.getMetadata().getName());
    }

    /**
     * PUTs the CSR with one more condition to its approval subresource, carrying the resourceVersion this decision
     * was made on. Empty if the API server refused because the CSR changed meanwhile.
     */
    private Optional<CertificateSigningRequest> setApproval(CertificateSigningRequest csr, CertificateSigningRequestCondition condition) {
        CertificateSigningRequestStatus status = csr.getStatus() == null ? new CertificateSigningRequestStatus() : csr.getStatus();
        List<CertificateSigningRequestCondition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        conditions.add(condition);
        status.setConditions(conditions);
        csr.setStatus(status);
        String path = "/apis/certificates.k8s.io/v1/certificatesigningrequests/" + csr.getMetadata().getName() + "/approval";
        try {
            String body = client.raw(path, "PUT", csr);
            if (body == null) return Optional.empty();
            return Optional.of(client.getKubernetesSerialization().unmarshal(body, CertificateSigningRequest.class));
        } catch (KubernetesClientException e) {
            if (Conflicts.isConflict(e) || Conflicts.isNotFound(e)) return Optional.empty();
            throw e;
        }
    }

    private CertificateSigningRequestCondition condition(String type, String reason, String message) {
        String now = clock.instant().toString();
        return new CertificateSigningRequestConditionBuilder().withType(type).withStatus("True").withReason(reason)
                .withMessage(message).withLastUpdateTime(now).withLastTransitionTime(now).build();
    }

    private static KubernetesCsrAttestor.Request requestOf(CertificateSigningRequest csr) {
        var spec = csr.getSpec();
        String pem;
        try {
            pem = new String(Base64.getDecoder().decode(spec.getRequest() == null ? "" : spec.getRequest()), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            pem = "";
        }
        Map<String, String> annotations = csr.getMetadata().getAnnotations() == null ? Map.of() : csr.getMetadata().getAnnotations();
        return new KubernetesCsrAttestor.Request(spec.getUsername(), spec.getExtra(), spec.getUsages(), pem,
                annotations.get(WardKubernetes.RENEWAL_CHAIN_ANNOTATION), annotations.get(WardKubernetes.RENEWAL_SIGNATURE_ANNOTATION));
    }

    static boolean ours(CertificateSigningRequest csr) {
        return csr.getSpec() != null && WardKubernetes.SIGNER_NAME.equals(csr.getSpec().getSignerName());
    }

    static boolean undecided(CertificateSigningRequest csr) {
        CertificateSigningRequestStatus s = csr.getStatus();
        if (s == null) return true;
        if (s.getCertificate() != null && !s.getCertificate().isEmpty()) return false;
        return s.getConditions() == null || s.getConditions().stream()
                .noneMatch(c -> List.of("Approved", "Denied", "Failed").contains(c.getType()));
    }

    private final class ClusterFacts implements KubernetesCsrAttestor.Cluster {
        @Override
        public boolean nodeExists(String node) {
            return client.nodes().withName(node).get() != null;
        }

        @Override
        public Optional<NodeRecord> record(String node) {
            return store.nodes().get(node).map(Versioned::value);
        }

        @Override
        public ClusterTrust trust() {
            return store.trust().read().map(v -> v.value().clusterTrust())
                    .orElseThrow(() -> new IllegalStateException("no trust bundle is published yet"));
        }
    }

    @Override
    public void close() {
        if (informer != null) informer.close();
        worker.shutdownNow();
    }
}
