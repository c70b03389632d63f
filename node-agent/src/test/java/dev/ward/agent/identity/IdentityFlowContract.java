package dev.ward.agent.identity;

import dev.ward.keyd.IdentityEnvironment;
import dev.ward.keyd.KeydSettings;
import dev.ward.keyd.TrustPublisher;
import dev.ward.keyd.TrustPublication;
import dev.ward.trust.TrustState;
import dev.ward.testbed.Eventually;
import dev.ward.keyd.admin.CaAdmin;
import dev.ward.keyd.admin.NodeAdmin;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.EnrollmentDeniedException;
import dev.ward.agent.identity.IdentityListener;
import dev.ward.agent.identity.IdentityUnavailableException;
import dev.ward.agent.identity.NodeIdentityAgent;
import dev.ward.agent.identity.NodeSvid;
import dev.ward.agent.identity.StateDirectory;
import dev.ward.agent.identity.SvidRequest;
import dev.ward.keyd.daemon.KeyDaemon;
import dev.ward.keyd.store.CaNotInitializedException;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.trust.TrustStateCodec;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.NodeCsrs;
import dev.ward.pki.NodeIdentity;
import dev.ward.pki.Pem;
import dev.ward.pki.RenewalProof;
import dev.ward.pki.SvidIssuer;
import dev.ward.pki.SvidRejectedException;
import dev.ward.pki.TrustBundle;
import dev.ward.pki.TrustDomains;
import dev.ward.testbed.OpenSsl;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The identity lifecycle every store mode must support, run against real servers: bootstrap, renewal at
 * half-life, revocation reaching watchers quickly, refused renewal and re-join after revocation, CA rotation and
 * retirement, a tampered bundle, a missing CA. Every issued chain is also checked by openssl and java-spiffe.
 */
abstract class IdentityFlowContract {
    static final String TRUST_DOMAIN = "cluster.test";
    static final Duration SHORT_TTL = Duration.ofSeconds(10);
    static final KeydSettings FAST = new KeydSettings(SvidIssuer.DEFAULT_TTL, Duration.ofHours(48), Duration.ofMillis(500), Duration.ofHours(1));

    @TempDir
    Path tmp;

    IdentityEnvironment env;
    IdentityStore admin;
    final List<AutoCloseable> running = new CopyOnWriteArrayList<>();
    final Clock clock = Clock.systemUTC();

    abstract IdentityEnvironment environment(Path tmp) throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        env = environment(tmp);
        admin = env.connect();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : running.reversed()) c.close();
        admin.close();
        env.close();
    }

    @Test
    void aNodeBootstrapsRenewsAndIsRevoked() throws Exception {
        caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST.withSvidTtl(SHORT_TTL));

        List<NodeSvid> n1Svids = new CopyOnWriteArrayList<>();
        AtomicReference<NodeSvid> n1Revoked = new AtomicReference<>();
        NodeIdentityAgent n1 = agent("n1", new IdentityListener() {
            @Override
            public void svidChanged(NodeSvid svid) {
                n1Svids.add(svid);
            }

            @Override
            public void svidRevoked(NodeSvid svid) {
                n1Revoked.set(svid);
            }
        });
        NodeSvid first = n1.current();
        assertEquals("n1", n1.verifyPeer(first.chain(), "n1").node());
        assertStateDirectory(tmp.resolve("state-n1"), first);
        assertIndependentVerifiersAccept(first, n1.trust());

        // Renewal at half of the 10 s lifetime, with a fresh key and the proof by the current one.
        Eventually.await(Duration.ofSeconds(20), "n1 to renew its SVID", () -> !n1Svids.isEmpty());
        NodeSvid renewed = n1Svids.getFirst();
        assertNotEquals(first.serial(), renewed.serial());
        assertNotEquals(first.leaf().getPublicKey(), renewed.leaf().getPublicKey(), "renewal rotates the node key");
        assertEquals(renewed.serial(), Pem.certificates(Files.readString(tmp.resolve("state-n1").resolve(StateDirectory.SVID)), "svid").getFirst().getSerialNumber());
        assertTrue(admin.nodes().get("n1").orElseThrow().value().issued().size() >= 2);

        // A peer watching the trust sees n1's revocation within 5 s of the operator's command.
        AtomicLong seenAt = new AtomicLong();
        NodeIdentityAgent n2 = agent("n2", null);
        n2.addListener(new IdentityListener() {
            @Override
            public void trustChanged(ClusterTrust trust) {
                BigInteger serial = n1.current().serial();
                if (trust.crlFor(trust.bundle().issuing()).map(c -> c.getRevokedCertificate(serial) != null).orElse(false)) {
                    seenAt.compareAndSet(0, System.nanoTime());
                }
            }
        });
        long revokedAt = System.nanoTime();
        NodeAdmin.Revoked revoked = nodeAdmin().revoke("n1");
        assertTrue(revoked.svids().stream().anyMatch(s -> s.serial().equals(n1.current().serial())));
        Eventually.await(Duration.ofSeconds(5), "the revocation to reach n2's watch", () -> seenAt.get() != 0);
        Duration propagation = Duration.ofNanos(seenAt.get() - revokedAt);
        System.out.println("revocation reached a watcher in " + propagation.toMillis() + " ms (" + getClass().getSimpleName() + ")");
        assertTrue(propagation.compareTo(Duration.ofSeconds(5)) < 0);

        NodeSvid victim = n1.current();
        var rejected = assertThrows(SvidRejectedException.class, () -> n2.verifyPeer(victim.chain(), "n1"));
        assertEquals(SvidRejectedException.Reason.REVOKED, rejected.reason());
        Eventually.await(Duration.ofSeconds(5), "n1 to notice it is revoked", () -> n1Revoked.get() != null);
        assertTrue(n1.revoked());

        String bundle = n2.trust().bundle().toPem();
        String crl = n2.trust().crlPem();
        OpenSsl.Result refused = OpenSsl.verify(victim.chainPem(), bundle, crl);
        assertFalse(refused.ok(), refused.output());
        assertTrue(refused.output().contains("certificate revoked"), refused.output());
        OpenSsl.Result peerOk = OpenSsl.verify(n2.current().chainPem(), bundle, crl);
        assertTrue(peerOk.ok(), "n2 is unaffected: " + peerOk.output());

        // A revoked node can neither renew with its SVID nor come back with a bootstrap.
        var renewal = assertThrows(EnrollmentDeniedException.class, () -> renewWith("n1", victim));
        assertTrue(Set.of("InvalidCurrentSvid", "NodeRevoked").contains(renewal.reason()), renewal.getMessage());
        assertRejoinRefused("n1");
    }

    @Test
    void caRotationKeepsNodesTrustedAndRetireWaitsForThem() throws Exception {
        TrustState initial = caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST);
        NodeIdentityAgent n1 = agent("n1", null);
        NodeIdentityAgent n2 = agent("n2", null);
        NodeSvid n2Old = n2.current();
        n2.close(); // n2 is down during the rotation: its SVID still comes from the old CA

        TrustState rotated = caAdmin().rotate(KeyAlgorithm.EC_P256, Duration.ofDays(30));
        assertEquals(2, rotated.bundle().authorities().size());
        assertEquals(initial.bundle().issuing(), rotated.bundle().authorities().get(1), "the old CA stays, second");
        Eventually.await(Duration.ofSeconds(10), "n1 to renew under the new CA",
                () -> n1.current().leaf().getIssuerX500Principal().equals(rotated.bundle().issuing().getSubjectX500Principal()));
        OpenSsl.Result both = OpenSsl.verify(n2Old.chainPem(), rotated.bundle().toPem(), rotated.clusterTrust().crlPem());
        assertTrue(both.ok(), "old-CA SVIDs stay valid during the rotation: " + both.output());

        var refused = assertThrows(CaAdmin.RetireRefusedException.class, () -> caAdmin().retire());
        assertEquals(List.of("n2"), refused.nodes());

        NodeIdentityAgent n2Again = agent("n2", null); // restarts from its state directory and renews at once
        Eventually.await(Duration.ofSeconds(10), "n2 to renew under the new CA",
                () -> n2Again.current().leaf().getIssuerX500Principal().equals(rotated.bundle().issuing().getSubjectX500Principal()));
        TrustState retired = caAdmin().retire();
        assertEquals(List.of(rotated.bundle().issuing()), retired.bundle().authorities());
        Eventually.await(Duration.ofSeconds(5), "agents to see the retired bundle", () -> n1.trust().bundle().authorities().size() == 1);
        assertEquals("n2", n1.verifyPeer(n2Again.current().chain(), "n2").node());
        var untrusted = assertThrows(SvidRejectedException.class, () -> n1.verifyPeer(n2Old.chain(), "n2"));
        assertEquals(SvidRejectedException.Reason.UNTRUSTED, untrusted.reason());
        assertFalse(OpenSsl.verify(n2Old.chainPem(), retired.bundle().toPem(), retired.clusterTrust().crlPem()).ok());
        assertIndependentVerifiersAccept(n2Again.current(), n1.trust());
    }

    @Test
    void keydWithoutACaNamesTheCommandThatCreatesIt() {
        var e = assertThrows(CaNotInitializedException.class, () -> KeyDaemon.start(env.connect(), FAST, clock, "a"));
        assertTrue(e.getMessage().contains("ca init"), e.getMessage());
        assertTrue(e.getMessage().contains(admin.caKeys().describe()), e.getMessage());
    }

    @Test
    void aTamperedBundleIsRefusedByAgentsAndRepairedByKeyd() throws Exception {
        caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST);
        NodeIdentityAgent n1 = agent("n1", null);
        ClusterTrust good = n1.trust();
        List<ClusterTrust> seen = new CopyOnWriteArrayList<>();
        n1.addListener(new IdentityListener() {
            @Override
            public void trustChanged(ClusterTrust trust) {
                seen.add(trust);
            }
        });
        // An attacker swaps in their own CA: a well-formed bundle that keyd's keyring does not hold.
        var rogue = dev.ward.pki.CertificateAuthority.generate(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(1), clock.instant());
        env.tamperWithTrust(docs -> {
            docs.put(TrustStateCodec.BUNDLE_PEM, "-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n");
            return docs;
        });
        Eventually.await(Duration.ofSeconds(10), "keyd to republish a verifiable bundle", () -> publishedBundleIs(good));
        assertTrue(seen.stream().allMatch(t -> t.bundle().equals(good.bundle())), "agents never adopt the broken bundle");

        // Then a consistent rewrite (PEM, SPIFFE form and CRLs agree) that adds the rogue CA: verifiable, but not keyd's.
        env.tamperWithTrust(docs -> {
            TrustState published = TrustStateCodec.decode(docs, "tampered");
            List<java.security.cert.X509Certificate> cas = new ArrayList<>(published.bundle().authorities());
            cas.add(rogue.certificate());
            return new java.util.HashMap<>(TrustStateCodec.encode(new TrustState(new TrustBundle(published.bundle().trustDomain(), cas),
                    published.crls(), published.revocations(), published.sequence() + 1)));
        });
        Eventually.await(Duration.ofSeconds(10), "keyd to drop the rogue CA", () -> publishedBundleIs(good));
        Eventually.await(Duration.ofSeconds(5), "the agent to follow the repaired bundle", () -> n1.trust().bundle().equals(good.bundle()));
    }

    @Test
    void twoKeydReplicasNeverIssueTwiceNorLoseARevocation() throws Exception {
        caAdmin().init(TrustDomains.parse(TRUST_DOMAIN), KeyAlgorithm.EC_P256, Duration.ofDays(30));
        keyd("a", FAST);
        keyd("b", FAST);
        List<String> nodes = java.util.stream.IntStream.range(0, 8).mapToObj(i -> "race-" + i).toList();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(nodes.size());
        try {
            List<java.util.concurrent.Future<NodeIdentityAgent>> started = new ArrayList<>();
            for (String node : nodes) started.add(pool.submit(() -> agent(node, null)));
            List<NodeIdentityAgent> agents = new ArrayList<>();
            for (var f : started) agents.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            for (String node : nodes) {
                assertEquals(1, admin.nodes().get(node).orElseThrow().value().issued().size(),
                        "both replicas saw " + node + "'s request; exactly one SVID was issued");
            }
            // Two operators revoke at once while both replicas' maintenance republishes: no revocation is lost.
            List<String> victims = nodes.subList(0, 4);
            List<java.util.concurrent.Future<?>> revocations = new ArrayList<>();
            for (String victim : victims) {
                revocations.add(pool.submit(() -> {
                    try (IdentityStore own = env.connect()) {
                        new NodeAdmin(own, new TrustPublication(own, new TrustPublisher(Duration.ofHours(48)), clock), clock).revoke(victim);
                    }
                    return null;
                }));
            }
            for (var f : revocations) f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            TrustState published = admin.trust().read().orElseThrow().value();
            for (int i = 0; i < nodes.size(); i++) {
                BigInteger serial = agents.get(i).current().serial();
                boolean listed = published.clusterTrust().crlFor(published.bundle().issuing()).orElseThrow().getRevokedCertificate(serial) != null;
                assertEquals(victims.contains(nodes.get(i)), listed, nodes.get(i) + " revoked? " + listed);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    boolean publishedBundleIs(ClusterTrust expected) {
        try {
            return admin.trust().read().map(v -> v.value().bundle().equals(expected.bundle())).orElse(false);
        } catch (dev.ward.trust.TamperedTrustException e) {
            return false; // still the attacker's version
        }
    }

    NodeIdentityAgent agent(String node, IdentityListener listener) throws IdentityUnavailableException {
        env.addNode(node);
        KeydChannel keydChannel = KeydChannel.on(env.agentStoreOn(node), clock);
        Path state = tmp.resolve("state-" + node);
        String token = new StateDirectory(state).loadSvid().isPresent() ? null : bootstrapToken(node);
        AgentSettings settings = new AgentSettings(node, state, 0.5, Duration.ofSeconds(15), Duration.ofMillis(200), Duration.ZERO);
        NodeIdentityAgent agent = NodeIdentityAgent.start(settings, keydChannel.requester(), keydChannel.trust(), token, clock);
        if (listener != null) agent.addListener(listener);
        running.add(agent);
        return agent;
    }

    KeyDaemon keyd(String replica, KeydSettings settings) {
        KeyDaemon d = KeyDaemon.start(env.connect(), settings, clock, replica);
        running.add(d);
        return d;
    }

    CaAdmin caAdmin() {
        return new CaAdmin(admin, publication(), clock);
    }

    NodeAdmin nodeAdmin() {
        return new NodeAdmin(admin, publication(), clock);
    }

    TrustPublication publication() {
        return new TrustPublication(admin, new TrustPublisher(Duration.ofHours(48)), clock);
    }

    /** Asks keyd to renew {@code current} exactly as an agent would. */
    void renewWith(String node, NodeSvid current) throws Exception {
        KeyPair keys = KeyAlgorithm.EC_P256.generate();
        PKCS10CertificationRequest csr = NodeCsrs.create(keys, NodeIdentity.of(TRUST_DOMAIN, node));
        String proof = Base64.getEncoder().encodeToString(RenewalProof.sign(current.key(), csr.getEncoded()));
        KeydChannel keydChannel = KeydChannel.on(env.agentStoreOn(node), clock);
        keydChannel.requester().request(SvidRequest.renewal(node, NodeCsrs.pem(csr), current.chainPem(), proof), Duration.ofSeconds(10));
    }

    /** The bootstrap evidence for {@code node}: a fresh join token, or null in Kubernetes. */
    abstract String bootstrapToken(String node);

    /** Store-specific: after revocation, bootstrapping the node again is refused. */
    abstract void assertRejoinRefused(String node) throws Exception;

    static void assertStateDirectory(Path dir, NodeSvid svid) throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(StateDirectory.SVID_KEY))));
        assertEquals(svid.serial(), Pem.certificates(Files.readString(dir.resolve(StateDirectory.SVID)), "svid").getFirst().getSerialNumber());
        assertTrue(Files.readString(dir.resolve(StateDirectory.BUNDLE)).contains("BEGIN CERTIFICATE"));
        assertTrue(Files.readString(dir.resolve(StateDirectory.CRL)).contains("BEGIN X509 CRL"));
    }

    static void assertIndependentVerifiersAccept(NodeSvid svid, ClusterTrust trust) throws Exception {
        OpenSsl.Result r = OpenSsl.verify(svid.chainPem(), trust.bundle().toPem(), trust.crlPem());
        assertTrue(r.ok(), "openssl verify -crl_check_all: " + r.output());
        X509Svid parsed = X509Svid.parse(svid.chainPem().getBytes(StandardCharsets.US_ASCII), Pem.encode(svid.key()).getBytes(StandardCharsets.US_ASCII));
        X509SvidValidator.verifyChain(parsed.getChain(), new X509Bundle(trust.bundle().trustDomain(), new HashSet<>(trust.bundle().authorities())));
    }
}
