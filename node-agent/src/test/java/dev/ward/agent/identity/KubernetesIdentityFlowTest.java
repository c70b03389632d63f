package dev.ward.agent.identity;

import dev.ward.keyd.IdentityEnvironment;
import dev.ward.agent.identity.EnrollmentDeniedException;
import dev.ward.agent.identity.KubernetesSvidRequester;
import dev.ward.agent.identity.NodeSvid;
import dev.ward.agent.identity.SvidRequest;
import dev.ward.keyd.k8s.KubernetesCluster;
import dev.ward.keyd.k8s.KubernetesEnvironment;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.keyd.store.CaNotInitializedException;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.NodeCsrs;
import dev.ward.pki.NodeIdentity;
import dev.ward.pki.RenewalProof;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import java.security.KeyPair;
import dev.ward.pki.TrustDomains;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The identity lifecycle in Kubernetes (CA in a Secret, trust in a ConfigMap, attestation through the CSR API),
 * plus every way a CSR for Ward's signer can be wrong. The API server's part is real: it sets
 * {@code spec.username}/{@code extra} from the caller's token and refuses stale resourceVersions.
 */
class KubernetesIdentityFlowTest extends IdentityFlowContract {
    private KubernetesCluster cluster;

    @Override
    IdentityEnvironment environment(Path tmp) {
        KubernetesEnvironment env = new KubernetesEnvironment();
        cluster = env.cluster();
        return env;
    }

    @Override
    String bootstrapToken(String node) {
        return null; // the node-bound ServiceAccount token is the evidence
    }

    @Override
    void assertRejoinRefused(String node) throws Exception {
        var e = assertThrows(EnrollmentDeniedException.class, () -> new KubernetesSvidRequester(cluster.agentOn(node))
                .request(SvidRequest.bootstrap(node, nodeCsr(node), null), Duration.ofSeconds(10)));
        assertEquals("NodeRevoked", e.reason(), e.getMessage());
    }

    @Test
    void everyWrongCsrIsDeniedWithItsReasonAndNothingIsIssued() throws Exception {
        caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST);
        cluster.addNode("n1");
        cluster.addNode("n2");
        KubernetesClient agentOnN1 = cluster.agentOn("n1");

        assertDenied("NotWardAgent", submit(cluster.as("system:serviceaccount:default:default",
                Map.of(WardKubernetes.NODE_NAME_EXTRA, List.of("n1"))), nodeCsr("n1"), List.of("digital signature"), Map.of()));
        assertDenied("NoNodeBinding", submit(cluster.as(WardKubernetes.agentUsername(WardKubernetes.NAMESPACE), Map.of()),
                nodeCsr("n1"), List.of("digital signature"), Map.of()));
        assertDenied("NodeMismatch", submit(agentOnN1, nodeCsr("n2"), List.of("digital signature"), Map.of()));
        assertDenied("UnknownNode", submit(cluster.agentOn("ghost"), nodeCsr("ghost"), List.of("digital signature"), Map.of()));
        assertDenied("ExtraSubjectAltNames", submit(agentOnN1, KvIdentityFlowContract.csrWith(GeneralName.dNSName, false),
                List.of("digital signature"), Map.of()));
        assertDenied("CaRequested", submit(agentOnN1, KvIdentityFlowContract.csrWith(-1, true), List.of("digital signature"), Map.of()));
        assertDenied("MalformedRequest", submit(agentOnN1, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                List.of("digital signature"), Map.of()));
        assertDenied("ForbiddenUsage", submit(agentOnN1, nodeCsr("n1"), List.of("digital signature", "cert sign"), Map.of()));
        assertDenied("MalformedRenewal", submit(agentOnN1, nodeCsr("n1"), List.of("digital signature"), Map.of(
                WardKubernetes.RENEWAL_CHAIN_ANNOTATION, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                WardKubernetes.RENEWAL_SIGNATURE_ANNOTATION, "AAAA")));

        // Another signer's CSR is none of keyd's business: it stays untouched.
        String foreign = submit(agentOnN1, nodeCsr("n1"), List.of("digital signature"), Map.of(), "example.com/other-signer");
        Thread.sleep(500);
        assertNull(get(foreign).getStatus() == null ? null : get(foreign).getStatus().getConditions().stream().findFirst().orElse(null));

        assertTrue(admin.nodes().get("n1").isEmpty() && admin.nodes().get("n2").isEmpty(), "no refused CSR led to an SVID");
    }

    @Test
    void aRenewalMustBeProvedByTheCurrentKeyOfTheSameNode() throws Exception {
        caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST);
        NodeSvid n1 = agent("n1", null).current();
        NodeSvid n2 = agent("n2", null).current();
        KubernetesClient agentOnN1 = cluster.agentOn("n1");

        KeyPair next = KeyAlgorithm.EC_P256.generate();
        PKCS10CertificationRequest csr = NodeCsrs.create(next, NodeIdentity.of(TRUST_DOMAIN, "n1"));
        String wrongKey = Base64.getEncoder().encodeToString(RenewalProof.sign(next.getPrivate(), csr.getEncoded()));
        assertDenied("BadRenewalProof", submit(agentOnN1, NodeCsrs.pem(csr), List.of("digital signature"), Map.of(
                WardKubernetes.RENEWAL_CHAIN_ANNOTATION, n1.chainPem(), WardKubernetes.RENEWAL_SIGNATURE_ANNOTATION, wrongKey)));

        String byN2 = Base64.getEncoder().encodeToString(RenewalProof.sign(n2.key(), csr.getEncoded()));
        assertDenied("InvalidCurrentSvid", submit(agentOnN1, NodeCsrs.pem(csr), List.of("digital signature"), Map.of(
                WardKubernetes.RENEWAL_CHAIN_ANNOTATION, n2.chainPem(), WardKubernetes.RENEWAL_SIGNATURE_ANNOTATION, byN2)));
        assertEquals(1, admin.nodes().get("n1").orElseThrow().value().issued().size(), "only the bootstrap SVID was issued");
    }

    @Test
    void theRequesterCannotClaimAnIdentityInTheRequestBody() throws Exception {
        caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST);
        cluster.addNode("n1");
        KubernetesClient intruder = cluster.as("system:serviceaccount:default:intruder", Map.of());
        CertificateSigningRequest forged = csr("forged", nodeCsr("n1"), List.of("digital signature"), Map.of(), WardKubernetes.SIGNER_NAME);
        forged.getSpec().setUsername(WardKubernetes.agentUsername(WardKubernetes.NAMESPACE));
        forged.getSpec().setExtra(Map.of(WardKubernetes.NODE_NAME_EXTRA, List.of("n1")));
        intruder.certificates().v1().certificateSigningRequests().resource(forged).create();
        assertDenied("NotWardAgent", "forged");
    }

    @Test
    void aMissingCaSecretNamesTheCommandThatCreatesIt() {
        var e = assertThrows(CaNotInitializedException.class, () -> caAdmin().rotate(KeyAlgorithm.EC_P256, Duration.ofDays(1)));
        assertEquals("CA key Secret ward-system/ward-ca not found: create the CA with `wardctl ca init --store k8s`", e.getMessage());
    }

    static String nodeCsr(String node) {
        return NodeCsrs.pem(NodeCsrs.create(KeyAlgorithm.EC_P256.generate(), NodeIdentity.of(TRUST_DOMAIN, node)));
    }

    private String submit(KubernetesClient as, String csrPem, List<String> usages, Map<String, String> annotations) {
        return submit(as, csrPem, usages, annotations, WardKubernetes.SIGNER_NAME);
    }

    private String submit(KubernetesClient as, String csrPem, List<String> usages, Map<String, String> annotations, String signer) {
        String name = "test-" + Long.toHexString(System.nanoTime());
        as.certificates().v1().certificateSigningRequests().resource(csr(name, csrPem, usages, annotations, signer)).create();
        return name;
    }

    private static CertificateSigningRequest csr(String name, String csrPem, List<String> usages, Map<String, String> annotations, String signer) {
        return new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).withAnnotations(annotations).endMetadata()
                .withNewSpec().withSignerName(signer).withUsages(usages)
                .withRequest(Base64.getEncoder().encodeToString(csrPem.getBytes(StandardCharsets.US_ASCII))).endSpec()
                .build();
    }

    private CertificateSigningRequest get(String name) {
        return cluster.admin().certificates().v1().certificateSigningRequests().withName(name).get();
    }

    private void assertDenied(String reason, String csrName) {
        CertificateSigningRequest answered = cluster.admin().certificates().v1().certificateSigningRequests().withName(csrName)
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null && !c.getStatus().getConditions().isEmpty(),
                        10, TimeUnit.SECONDS);
        Optional<CertificateSigningRequestCondition> denied = answered.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals("Denied")).findFirst();
        assertTrue(denied.isPresent(), csrName + " was not denied: " + answered.getStatus());
        assertEquals(reason, denied.get().getReason(), denied.get().getMessage());
        assertNotNull(denied.get().getMessage());
        assertNull(answered.getStatus().getCertificate(), "a denied CSR carries no certificate");
    }
}
