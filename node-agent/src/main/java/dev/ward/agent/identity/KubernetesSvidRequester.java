package dev.ward.agent.identity;

import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.pki.Pem;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Requests an SVID as a Kubernetes CertificateSigningRequest for Ward's signer. The agent's node-bound
 * ServiceAccount token is the bootstrap evidence (the API server records who asked); a renewal also carries
 * the proof by the current SVID key in annotations.
 */
public final class KubernetesSvidRequester implements SvidRequester {
    private static final List<String> USAGES = List.of("digital signature", "client auth", "server auth");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_NODE_PART = 200;

    private final KubernetesClient client;

    public KubernetesSvidRequester(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public List<X509Certificate> request(SvidRequest r, Duration timeout) throws EnrollmentDeniedException, IOException, TimeoutException {
        byte[] suffix = new byte[4];
        RANDOM.nextBytes(suffix);
        String node = r.node().length() > MAX_NODE_PART ? r.node().substring(0, MAX_NODE_PART) : r.node();
        String name = "ward-" + node + "-" + HexFormat.of().formatHex(suffix);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (r.isRenewal()) {
            annotations.put(WardKubernetes.RENEWAL_CHAIN_ANNOTATION, r.renewalChainPem());
            annotations.put(WardKubernetes.RENEWAL_SIGNATURE_ANNOTATION, r.renewalSignature());
        }
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).withAnnotations(annotations)
                .addToLabels("app.kubernetes.io/part-of", "ward")
                .endMetadata()
                .withNewSpec()
                .withSignerName(WardKubernetes.SIGNER_NAME)
                .withRequest(Base64.getEncoder().encodeToString(r.csrPem().getBytes(StandardCharsets.US_ASCII)))
                .withUsages(USAGES)
                .endSpec()
                .build();
        client.certificates().v1().certificateSigningRequests().resource(csr).create();
        CertificateSigningRequest answered;
        try {
            answered = client.certificates().v1().certificateSigningRequests().withName(name)
                    .waitUntilCondition(c -> c == null || issued(c) || refusal(c).isPresent(), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new TimeoutException("keyd did not answer CSR " + name + " within " + timeout + " (is keyd running?)");
        }
        if (answered == null) throw new IOException("CSR " + name + " was deleted before it was answered");
        Optional<CertificateSigningRequestCondition> refused = refusal(answered);
        if (refused.isPresent()) throw new EnrollmentDeniedException(refused.get().getReason(), refused.get().getMessage());
        String pem = new String(Base64.getDecoder().decode(answered.getStatus().getCertificate()), StandardCharsets.US_ASCII);
        return Pem.certificates(pem, "the certificate of CSR " + name);
    }

    @Override
    public boolean attestsWithoutToken() {
        return true;
    }

    private static boolean issued(CertificateSigningRequest c) {
        return c.getStatus() != null && c.getStatus().getCertificate() != null && !c.getStatus().getCertificate().isEmpty();
    }

    private static Optional<CertificateSigningRequestCondition> refusal(CertificateSigningRequest c) {
        if (c.getStatus() == null || c.getStatus().getConditions() == null) return Optional.empty();
        return c.getStatus().getConditions().stream().filter(x -> "Denied".equals(x.getType()) || "Failed".equals(x.getType())).findFirst();
    }
}
