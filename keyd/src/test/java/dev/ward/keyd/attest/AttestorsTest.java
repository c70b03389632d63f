package dev.ward.keyd.attest;

import dev.ward.keyd.IssuedSvid;
import dev.ward.keyd.JoinToken;
import dev.ward.keyd.NodeRecord;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.CrlSigner;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.NodeCsrInspector;
import dev.ward.pki.NodeCsrs;
import dev.ward.pki.NodeIdentity;
import dev.ward.pki.Pem;
import dev.ward.pki.RenewalProof;
import dev.ward.pki.RevokedSerial;
import dev.ward.pki.SvidIssuer;
import dev.ward.pki.SvidVerifier;
import dev.ward.pki.TrustBundle;
import dev.ward.pki.TrustDomains;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The attestation decisions as pure functions of their facts. */
class AttestorsTest {
    private static final Instant NOW = Instant.now();
    private final NodeCsrInspector inspector = new NodeCsrInspector(TrustDomains.parse("cluster.test"));
    private final CertificateAuthority ca = CertificateAuthority.generate(TrustDomains.parse("cluster.test"), KeyAlgorithm.EC_P256, Duration.ofDays(1), NOW);
    private final RenewalAttestor renewals = new RenewalAttestor(new SvidVerifier(Clock.fixed(NOW, ZoneOffset.UTC)));

    private static String csr(String node) {
        return NodeCsrs.pem(NodeCsrs.create(KeyAlgorithm.EC_P256.generate(), NodeIdentity.of("cluster.test", node)));
    }

    private ClusterTrust trust(X509Certificate... revoked) {
        var entries = java.util.Arrays.stream(revoked).map(c -> new RevokedSerial(c.getSerialNumber(), NOW)).toList();
        return new ClusterTrust(new TrustBundle(ca.trustDomain(), List.of(ca.certificate())),
                List.of(CrlSigner.sign(ca, entries, NOW.minusSeconds(60), NOW.plus(Duration.ofDays(1)), 1)));
    }

    private static String reason(Verdict v) {
        return v instanceof Verdict.Deny d ? d.reason() : "Approved";
    }

    // --- Kubernetes -------------------------------------------------------------------------------------------

    private record Facts(boolean exists, Optional<NodeRecord> record, ClusterTrust trust) implements KubernetesCsrAttestor.Cluster {
        public boolean nodeExists(String node) {
            return exists;
        }

        public Optional<NodeRecord> record(String node) {
            return record;
        }
    }

    private Verdict k8s(String user, Map<String, List<String>> extra, List<String> usages, String csr, Facts facts) {
        return new KubernetesCsrAttestor(inspector, WardKubernetes.NAMESPACE, renewals)
                .decide(new KubernetesCsrAttestor.Request(user, extra, usages, csr, null, null), facts);
    }

    @Test
    void kubernetesApprovesOnlyTheAgentOnItsOwnExistingUnrevokedNode() {
        String agent = WardKubernetes.agentUsername(WardKubernetes.NAMESPACE);
        Map<String, List<String>> onN1 = Map.of(WardKubernetes.NODE_NAME_EXTRA, List.of("n1"));
        Facts ok = new Facts(true, Optional.empty(), trust());
        List<String> usages = List.of("digital signature", "client auth");
        assertEquals("Approved", reason(k8s(agent, onN1, usages, csr("n1"), ok)));
        assertEquals("NotWardAgent", reason(k8s("system:node:n1", onN1, usages, csr("n1"), ok)));
        assertEquals("NoNodeBinding", reason(k8s(agent, Map.of(), usages, csr("n1"), ok)));
        assertEquals("NoNodeBinding", reason(k8s(agent, Map.of(WardKubernetes.NODE_NAME_EXTRA, List.of("n1", "n2")), usages, csr("n1"), ok)));
        assertEquals("NodeMismatch", reason(k8s(agent, onN1, usages, csr("n2"), ok)));
        assertEquals("UnknownNode", reason(k8s(agent, onN1, usages, csr("n1"), new Facts(false, Optional.empty(), trust()))));
        assertEquals("NodeRevoked", reason(k8s(agent, onN1, usages, csr("n1"),
                new Facts(true, Optional.of(NodeRecord.empty("n1").revoke(NOW)), trust()))));
        assertEquals("ForbiddenUsage", reason(k8s(agent, onN1, List.of("cert sign"), csr("n1"), ok)));
        assertEquals("MalformedRequest", reason(k8s(agent, onN1, usages, "junk", ok)));
    }

    // --- join tokens -------------------------------------------------------------------------------------------

    @Test
    void aJoinTokenWorksOnceForItsNodeBeforeItExpires() {
        JoinTokenAttestor tokens = new JoinTokenAttestor(inspector);
        JoinToken fresh = JoinToken.issued("n1", NOW, NOW.plus(Duration.ofHours(1)));
        assertEquals("Approved", reason(tokens.decide(csr("n1"), Optional.of(fresh), Optional.empty(), NOW)));
        assertEquals("UnknownToken", reason(tokens.decide(csr("n1"), Optional.empty(), Optional.empty(), NOW)));
        assertEquals("TokenAlreadyUsed", reason(tokens.decide(csr("n1"), Optional.of(fresh.used(NOW)), Optional.empty(), NOW)));
        assertEquals("TokenExpired", reason(tokens.decide(csr("n1"), Optional.of(fresh), Optional.empty(), NOW.plus(Duration.ofHours(2)))));
        assertEquals("TokenInvalidated", reason(tokens.decide(csr("n1"), Optional.of(fresh.invalidated(NOW)), Optional.empty(), NOW)));
        assertEquals("TokenForOtherNode", reason(tokens.decide(csr("n2"), Optional.of(fresh), Optional.empty(), NOW)));
        assertEquals("NodeRevoked", reason(tokens.decide(csr("n1"), Optional.of(fresh), Optional.of(NodeRecord.empty("n1").revoke(NOW)), NOW)));
        assertEquals("MalformedRequest", reason(tokens.decide("garbage", Optional.of(fresh), Optional.empty(), NOW)));
    }

    // --- renewal -----------------------------------------------------------------------------------------------

    @Test
    void aRenewalNeedsTheCurrentUnrevokedSvidOfTheSameNodeAndItsKey() throws Exception {
        KeyPair currentKeys = KeyAlgorithm.EC_P256.generate();
        X509Certificate current = SvidIssuer.issue(ca, inspector.inspect(NodeCsrs.pem(NodeCsrs.create(currentKeys,
                NodeIdentity.of("cluster.test", "n1")))), Duration.ofHours(1), NOW);
        var next = inspector.inspect(csr("n1"));
        String chain = Pem.encode(current);
        String proof = Base64.getEncoder().encodeToString(RenewalProof.sign(currentKeys.getPrivate(), next.der()));
        NodeRecord record = NodeRecord.empty("n1").withIssued(new IssuedSvid(current.getSerialNumber(), ca.id(), NOW,
                current.getNotAfter().toInstant(), "r1"), NOW);

        assertEquals("Approved", reason(renewals.decide(next, chain, proof, trust(), Optional.of(record))));
        assertEquals("InvalidCurrentSvid", reason(renewals.decide(next, chain, proof, trust(current), Optional.of(record))));
        assertEquals("NodeRevoked", reason(renewals.decide(next, chain, proof, trust(), Optional.of(record.revoke(NOW)))));
        String wrongKey = Base64.getEncoder().encodeToString(RenewalProof.sign(KeyAlgorithm.EC_P256.generate().getPrivate(), next.der()));
        assertEquals("BadRenewalProof", reason(renewals.decide(next, chain, wrongKey, trust(), Optional.of(record))));
        var forN2 = inspector.inspect(csr("n2"));
        String proofN2 = Base64.getEncoder().encodeToString(RenewalProof.sign(currentKeys.getPrivate(), forN2.der()));
        assertEquals("InvalidCurrentSvid", reason(renewals.decide(forN2, chain, proofN2, trust(), Optional.empty())));
        assertEquals("MalformedRenewal", reason(renewals.decide(next, "junk", proof, trust(), Optional.of(record))));
        assertEquals("MalformedRenewal", reason(renewals.decide(next, chain, "!!", trust(), Optional.of(record))));
    }
}
