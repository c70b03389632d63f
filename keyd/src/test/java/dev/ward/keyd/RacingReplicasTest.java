package dev.ward.keyd;

import dev.ward.testbed.Eventually;
import dev.ward.keyd.admin.CaAdmin;
import dev.ward.keyd.admin.NodeAdmin;
import dev.ward.keyd.attest.KubernetesCsrAttestor;
import dev.ward.keyd.attest.RenewalAttestor;
import dev.ward.keyd.daemon.KvEnrollmentProcessor;
import dev.ward.keyd.k8s.KubernetesCsrSigner;
import dev.ward.keyd.k8s.KubernetesEnvironment;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.StoreLocation;
import dev.ward.store.StoredJson;
import dev.ward.trust.kv.EnrollmentRequest;
import dev.ward.keyd.store.kv.KvIdentityStore;
import dev.ward.trust.kv.KvKeys;
import dev.ward.store.kv.KvTxn;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.NodeCsrInspector;
import dev.ward.pki.SvidVerifier;
import dev.ward.pki.TrustDomains;
import dev.ward.testbed.EtcdProcess;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two keyd replicas answer the very same request at the very same moment (released by a barrier), many times
 * over. Each request must end with exactly one SVID in the node record and one answer; a token is consumed once.
 */
class RacingReplicasTest {
    private static final int REQUESTS = 12;
    private final Clock clock = Clock.systemUTC();

    @TempDir
    Path tmp;

    @Test
    void kubernetesApprovalLetsExactlyOneReplicaSign() throws Exception {
        try (KubernetesEnvironment env = new KubernetesEnvironment()) {
            IdentityStore admin = env.connect();
            new CaAdmin(admin, publication(admin), clock).init(TrustDomains.parse("cluster.test"), KeyAlgorithm.EC_P256, Duration.ofDays(1));
            KubernetesCsrSigner a = signer(env, "a");
            KubernetesCsrSigner b = signer(env, "b");
            List<String> names = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String node = "k" + i;
                env.addNode(node);
                KubernetesClient agent = env.cluster().agentOn(node);
                String name = "csr-" + node;
                agent.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                        .withNewMetadata().withName(name).endMetadata()
                        .withNewSpec().withSignerName(WardKubernetes.SIGNER_NAME).withUsages("digital signature")
                        .withRequest(Base64.getEncoder().encodeToString(TestCa.csrPem(node, dev.ward.pki.KeyAlgorithm.EC_P256.generate()).getBytes(StandardCharsets.US_ASCII)))
                        .endSpec().build()).create();
                names.add(name);
            }
            race(names, a::process, b::process);
            for (int i = 0; i < REQUESTS; i++) {
                assertEquals(1, admin.nodes().get("k" + i).orElseThrow().value().issued().size(), "k" + i + " got exactly one SVID");
                var csr = env.cluster().admin().certificates().v1().certificateSigningRequests().withName(names.get(i)).get();
                assertEquals(1, csr.getStatus().getConditions().stream().filter(c -> c.getType().equals("Approved")).count());
                assertNotNull(csr.getStatus().getCertificate());
            }
        }
    }

    @Test
    void etcdTransactionsLetExactlyOneReplicaAnswerAndUseTheToken() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start();
             IdentityStore admin = IdentityStores.open(new StoreLocation.Etcd(List.of(etcd.endpoint())), tmp.resolve("ca.pem"));
             IdentityStore replicaA = IdentityStores.open(new StoreLocation.Etcd(List.of(etcd.endpoint())), tmp.resolve("ca.pem"));
             IdentityStore replicaB = IdentityStores.open(new StoreLocation.Etcd(List.of(etcd.endpoint())), tmp.resolve("ca.pem"))) {
            new CaAdmin(admin, publication(admin), clock).init(TrustDomains.parse("cluster.test"), KeyAlgorithm.EC_P256, Duration.ofDays(1));
            NodeAdmin nodes = new NodeAdmin(admin, publication(admin), clock);
            var kv = ((KvIdentityStore) admin).kv();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String node = "e" + i;
                String token = nodes.createToken(node, Duration.ofHours(1)).token();
                String key = KvKeys.request(node, "r" + i);
                kv.commit(new KvTxn().put(key, StoredJson.write(EnrollmentRequest.withToken("r" + i, node,
                        TestCa.csrPem(node, dev.ward.pki.KeyAlgorithm.EC_P256.generate()), token, clock.instant()))));
                keys.add(key);
            }
            KvEnrollmentProcessor a = processor(replicaA);
            KvEnrollmentProcessor b = processor(replicaB);
            // Every answer any watcher could have read: a second issuance would show up here even if overwritten.
            java.util.Map<String, java.util.Set<String>> answers = new java.util.concurrent.ConcurrentHashMap<>();
            try (var ignored = kv.watch(KvKeys.REQUESTS, ev -> {
                if (ev.deleted()) return;
                EnrollmentRequest r = StoredJson.read(ev.text(), EnrollmentRequest.class, ev.key());
                if (r.status() == EnrollmentRequest.Status.ISSUED) {
                    answers.computeIfAbsent(ev.key(), k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(r.certificateChain());
                }
            })) {
                race(keys, a::process, b::process);
                Eventually.await(Duration.ofSeconds(5), "every answer to be seen", () -> answers.size() == REQUESTS);
                Thread.sleep(300); // late duplicates would arrive now
            }
            for (int i = 0; i < REQUESTS; i++) {
                assertEquals(1, answers.get(keys.get(i)).size(), "request " + keys.get(i) + " was answered with exactly one SVID");
                assertEquals(1, admin.nodes().get("e" + i).orElseThrow().value().issued().size(), "e" + i + " got exactly one SVID");
                EnrollmentRequest answered = StoredJson.read(kv.get(keys.get(i)).orElseThrow().text(), EnrollmentRequest.class, "request");
                assertEquals(EnrollmentRequest.Status.ISSUED, answered.status());
                assertNull(answered.joinToken(), "the answered request no longer carries the token");
                assertEquals(1, admin.joinTokens().orElseThrow().forNode("e" + i).stream().filter(t -> t.value().usedAt() != null).count());
            }
        }
    }

    private void race(List<String> items, java.util.function.Consumer<String> first, java.util.function.Consumer<String> second) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (String item : items) {
                CyclicBarrier start = new CyclicBarrier(2);
                Future<?> x = pool.submit(() -> {
                    start.await();
                    first.accept(item);
                    return null;
                });
                Future<?> y = pool.submit(() -> {
                    start.await();
                    second.accept(item);
                    return null;
                });
                x.get(30, TimeUnit.SECONDS);
                y.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private KubernetesCsrSigner signer(KubernetesEnvironment env, String replica) {
        IdentityStore store = env.connect();
        var inspector = new NodeCsrInspector(TrustDomains.parse("cluster.test"));
        return new KubernetesCsrSigner(env.cluster().admin(), store,
                new KubernetesCsrAttestor(inspector, WardKubernetes.NAMESPACE, new RenewalAttestor(new SvidVerifier(clock))),
                new SvidSigner(store.caKeys(), store.trust(), Duration.ofHours(24), clock), clock, replica);
    }

    private KvEnrollmentProcessor processor(IdentityStore store) {
        return new KvEnrollmentProcessor(((KvIdentityStore) store).kv(), store.trust(),
                new SvidSigner(store.caKeys(), store.trust(), Duration.ofHours(24), clock),
                new NodeCsrInspector(TrustDomains.parse("cluster.test")), new RenewalAttestor(new SvidVerifier(clock)), clock);
    }

    private TrustPublication publication(IdentityStore store) {
        return new TrustPublication(store, new TrustPublisher(Duration.ofHours(48)), clock);
    }
}
