package dev.ward.agent.identity;

import dev.ward.agent.identity.EnrollmentDeniedException;
import dev.ward.agent.identity.SvidRequest;
import dev.ward.agent.identity.SvidRequester;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.NodeCsrs;
import dev.ward.pki.NodeIdentity;
import dev.ward.pki.TrustDomains;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.*;

/** Join-token attestation, shared by the etcd and directory stores. */
abstract class KvIdentityFlowContract extends IdentityFlowContract {
    /** The last token handed to each node, so the tests can try it again. */
    final Map<String, String> tokensGiven = new ConcurrentHashMap<>();

    String newToken(String node) {
        String token = nodeAdmin().createToken(node, Duration.ofHours(1)).token();
        tokensGiven.put(node, token);
        return token;
    }

    @Override
    String bootstrapToken(String node) {
        return newToken(node);
    }

    @Override
    void assertRejoinRefused(String node) throws Exception {
        var reuse = assertThrows(EnrollmentDeniedException.class, () -> bootstrap(node, tokensGiven.get(node)));
        assertEquals("TokenAlreadyUsed", reuse.reason(), reuse.getMessage());
        var noNewToken = assertThrows(IllegalStateException.class, () -> nodeAdmin().createToken(node, Duration.ofHours(1)));
        assertTrue(noNewToken.getMessage().contains("wardctl node readmit " + node), noNewToken.getMessage());
    }

    @Test
    void badTokensAndBadCsrsAreRefusedAndNothingIsIssuedOrConsumed() throws Exception {
        caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST);

        assertDenied("UnknownToken", () -> bootstrap("n1", dev.ward.keyd.JoinTokens.generate()));

        String forN2 = newToken("n2");
        assertDenied("TokenForOtherNode", () -> bootstrap("n1", forN2));

        String forN1 = newToken("n1");
        assertDenied("ExtraSubjectAltNames", () -> send("n1", forN1, csrWith(GeneralName.dNSName, false)));
        assertDenied("CaRequested", () -> send("n1", forN1, csrWith(-1, true)));
        assertDenied("MalformedRequest", () -> send("n1", forN1, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));
        assertDenied("TokenForOtherNode", () -> send("n1", forN1, NodeCsrs.pem(NodeCsrs.create(KeyAlgorithm.EC_P256.generate(),
                NodeIdentity.of(TRUST_DOMAIN, "n3")))));
        assertTrue(admin.nodes().get("n1").isEmpty(), "no refused request left a trace of issuance");

        bootstrap("n1", forN1); // the refusals consumed nothing: the token still works once
        assertEquals(1, admin.nodes().get("n1").orElseThrow().value().issued().size());
        assertDenied("TokenAlreadyUsed", () -> bootstrap("n1", forN1));

        // Expired half an hour ago: well inside keyd's retention (1 h), so its maintenance has not deleted it yet and
        // the refusal says why (a token expired exactly at the retention edge may already be gone).
        NodeAdminClock past = new NodeAdminClock(Clock.offset(clock, Duration.ofMinutes(-90)));
        String expired = past.createToken("n4", Duration.ofHours(1));
        assertDenied("TokenExpired", () -> bootstrap("n4", expired));

        String beforeRevocation = newToken("n5");
        nodeAdmin().revoke("n5");
        assertDenied("TokenInvalidated", () -> bootstrap("n5", beforeRevocation));
        nodeAdmin().readmit("n5");
        bootstrap("n5", newToken("n5")); // readmitted with a token created after the revocation
    }

    @Test
    void noPrivateKeyEverEntersTheKeyValueStore() throws Exception {
        caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST);
        agent("n1", null);
        caAdmin().rotate(KeyAlgorithm.EC_P256, Duration.ofDays(30));
        nodeAdmin().revoke("n1");
        var kv = ((dev.ward.keyd.store.kv.KvIdentityStore) admin).kv();
        var everything = kv.list("/");
        assertFalse(everything.isEmpty());
        for (var entry : everything) {
            assertFalse(entry.text().contains("PRIVATE KEY"), entry.key() + " holds a private key");
        }
        for (var ca : admin.caKeys().require().value().all()) {
            String key = java.util.Base64.getEncoder().encodeToString(ca.privateKey().getEncoded());
            assertTrue(everything.stream().noneMatch(e -> e.text().contains(key.substring(0, 40))));
        }
        assertTrue(admin.caKeys().describe().startsWith("file "), "the CA key lives in a file: " + admin.caKeys().describe());
    }

    private final class NodeAdminClock {
        private final dev.ward.keyd.admin.NodeAdmin admin;

        NodeAdminClock(Clock clock) {
            this.admin = new dev.ward.keyd.admin.NodeAdmin(KvIdentityFlowContract.this.admin, publication(), clock);
        }

        String createToken(String node, Duration ttl) {
            return admin.createToken(node, ttl).token();
        }
    }

    interface Call {
        void run() throws Exception;
    }

    static void assertDenied(String reason, Call call) {
        var e = assertThrows(EnrollmentDeniedException.class, call::run);
        assertEquals(reason, e.reason(), e.getMessage());
    }

    void bootstrap(String node, String token) throws Exception {
        send(node, token, NodeCsrs.pem(NodeCsrs.create(KeyAlgorithm.EC_P256.generate(), NodeIdentity.of(TRUST_DOMAIN, node))));
    }

    void send(String node, String token, String csrPem) throws Exception {
        SvidRequester requester = KeydChannel.on(env.agentStoreOn(node), clock).requester();
        requester.request(SvidRequest.bootstrap(node, csrPem, token), Duration.ofSeconds(10));
    }

    /** A CSR for n1 that also asks for a SAN of {@code extraSanType} (if not -1) or a CA flag. */
    static String csrWith(int extraSanType, boolean ca) throws Exception {
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        ExtensionsGenerator ext = new ExtensionsGenerator();
        GeneralName id = new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + TRUST_DOMAIN + "/ward/node/n1");
        ext.addExtension(Extension.subjectAlternativeName, false, extraSanType < 0 ? new GeneralNames(id)
                : new GeneralNames(new GeneralName[] {id, new GeneralName(extraSanType, "n1.example.com")}));
        if (ca) ext.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        return NodeCsrs.pem(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=n1"), keys.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }
}
