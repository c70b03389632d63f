package dev.ward.agent.encryption.store.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.Acknowledgement;
import dev.ward.agent.encryption.AnnouncementCodec;
import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.EpochKeyPair;
import dev.ward.agent.encryption.IpLiterals;
import dev.ward.agent.encryption.NodeAnnouncement;
import dev.ward.agent.encryption.SignedNodeAnnouncement;
import dev.ward.agent.encryption.Spi;
import dev.ward.agent.encryption.agent.ForgedSvid;
import dev.ward.agent.encryption.store.AnnouncementEvent;
import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.agent.encryption.store.RotationRequest;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store against fabric8's mock API server in CRUD mode (create conflicts, resourceVersion-guarded updates and
 * watches behave as on a real API server) with the CRDs from deploy/crds installed. The mock does not apply the
 * CRDs' schemas, so every object the store writes is checked against them here: a real API server prunes fields
 * its schema lacks, which would break an announcement's signature.
 */
class KubernetesEncryptionStoreTest {
    private static final Path CRDS = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/crds/ward.dev_encryption.yaml");

    private KubernetesMockServer server;
    private KubernetesClient client;
    private KubernetesEncryptionStore store;
    private final Map<String, CustomResourceDefinition> crds = new HashMap<>();

    @BeforeEach
    void startServer() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        try (InputStream in = Files.newInputStream(CRDS)) {
            for (Object o : client.load(in).items()) {
                CustomResourceDefinition crd = (CustomResourceDefinition) o;
                client.resource(crd).create();
                crds.put(crd.getSpec().getNames().getKind(), crd);
            }
        }
        store = new KubernetesEncryptionStore(client, false, Clock.systemUTC());
    }

    @AfterEach
    void stopServer() {
        store.close();
        client.close();
        server.destroy();
    }

    @Test
    void theCrdsDeclareTheResourcesTheStoreUses() {
        for (ResourceDefinitionContext kind : List.of(EncryptionResources.ANNOUNCEMENT, EncryptionResources.ROTATION, EncryptionResources.STATUS)) {
            CustomResourceDefinition crd = crds.get(kind.getKind());
            assertEquals(kind.getPlural() + "." + kind.getGroup(), crd.getMetadata().getName());
            assertEquals(kind.getGroup(), crd.getSpec().getGroup());
            assertEquals(kind.getPlural(), crd.getSpec().getNames().getPlural());
            assertEquals("Cluster", crd.getSpec().getScope());
            assertEquals(kind.getVersion(), crd.getSpec().getVersions().getFirst().getName());
        }
        assertEquals(3, crds.size());
    }

    @Test
    void announcementsArePublishedListedWatchedAndWithdrawn() throws Exception {
        BlockingQueue<AnnouncementEvent> seen = new LinkedBlockingQueue<>();
        try (var watch = store.watchAnnouncements(seen::add)) {
            SignedNodeAnnouncement n1 = signed("n1", 1);
            store.publish(n1);
            assertEquals(new AnnouncementEvent.Published("n1", n1), seen.poll(5, TimeUnit.SECONDS));
            assertEquals(Optional.of(new AnnouncementEvent.Published("n1", n1)), store.announcement("n1"));

            // Someone with write access puts n2's announcement under n3's name, and garbage under n4's.
            writeRaw(EncryptionResources.ANNOUNCEMENT, "n3", dev.ward.agent.encryption.AnnouncementJson.toTree(signed("n2", 1)));
            writeRaw(EncryptionResources.ANNOUNCEMENT, "n4", Map.of("version", 1));
            Map<String, AnnouncementEvent> all = new TreeMap<>();
            store.announcements().forEach(event -> all.put(event.node(), event));
            assertEquals(List.of("n1", "n3", "n4"), List.copyOf(all.keySet()));
            assertEquals("the entry for n3 holds an announcement of n2", ((AnnouncementEvent.Malformed) all.get("n3")).reason());
            assertEquals("node is missing", ((AnnouncementEvent.Malformed) all.get("n4")).reason());
            assertEquals(new AnnouncementEvent.Malformed("n4", "node is missing"), next(seen, "n4"));

            assertTrue(store.withdraw("n1"));
            assertFalse(store.withdraw("n1"));
            assertEquals(new AnnouncementEvent.Withdrawn("n1"), next(seen, "n1"));
            assertEquals(Optional.empty(), store.announcement("n1"));
        }
    }

    @Test
    void aStoredAnnouncementStillVerifiesAndAReplacementIsDelivered() throws Exception {
        ForgedSvid svid = ForgedSvid.selfSigned("cluster.test", "n1");
        store.publish(signed(svid, "n1", 1));
        BlockingQueue<AnnouncementEvent> seen = new LinkedBlockingQueue<>();
        try (var watch = store.watchAnnouncements(seen::add)) {
            SignedNodeAnnouncement next = signed(svid, "n1", 2);
            store.publish(next);
            // What existed before subscribing is state, not a change: the first event is the replacement.
            assertEquals(new AnnouncementEvent.Published("n1", next), seen.poll(5, TimeUnit.SECONDS));
            SignedNodeAnnouncement stored = ((AnnouncementEvent.Published) store.announcement("n1").orElseThrow()).signed();
            Signature verifier = Signature.getInstance(SignedNodeAnnouncement.SIGNATURE_ALGORITHM);
            verifier.initVerify(svid.certificate().getPublicKey());
            verifier.update(AnnouncementCodec.encode(stored.announcement()));
            assertTrue(verifier.verify(stored.signature()), "the signature survives the trip through the API server");
            assertEquals(next, stored);
        }
        assertConformsToCrd(EncryptionResources.ANNOUNCEMENT, "n1");
    }

    @Test
    void rotationRequestsAreOrderedClusterWide() throws Exception {
        BlockingQueue<RotationRequest> seen = new LinkedBlockingQueue<>();
        try (var watch = store.watchRotationRequests(seen::add)) {
            RotationRequest one = store.requestRotation(Optional.of("n1"));
            RotationRequest all = store.requestRotation(Optional.empty());
            // A node named "all" gets its own object, apart from the request for every node.
            RotationRequest nodeAll = store.requestRotation(Optional.of("all"));
            assertTrue(all.sequence() > one.sequence() && nodeAll.sequence() > all.sequence());
            assertTrue(one.appliesTo("n1") && !one.appliesTo("n2"));
            assertTrue(all.appliesTo("n2"));
            assertEquals(Optional.of("all"), nodeAll.node());
            assertEquals(one, seen.poll(5, TimeUnit.SECONDS));
            assertEquals(all, seen.poll(5, TimeUnit.SECONDS));
            assertEquals(nodeAll, seen.poll(5, TimeUnit.SECONDS));
            assertEquals(List.of(one, all, nodeAll), store.rotationRequests());

            RotationRequest again = store.requestRotation(Optional.of("n1"));
            assertTrue(again.sequence() > nodeAll.sequence());
            assertEquals(again, seen.poll(5, TimeUnit.SECONDS));
        }
        assertConformsToCrd(EncryptionResources.ROTATION, EncryptionResources.ROTATE_ALL);
        assertConformsToCrd(EncryptionResources.ROTATION, EncryptionResources.rotationName("n1"));
        writeRaw(EncryptionResources.ROTATION, EncryptionResources.rotationName("n2"), Map.of("node", "n2"));
        writeRaw(EncryptionResources.ROTATION, EncryptionResources.rotationName("n3"), Map.of("node", "n9", "sequence", 1, "requestedAt", "2026-12-01T10:00:00Z"));
        assertEquals(3, store.rotationRequests().size(), "unreadable or misplaced requests are skipped, not fatal");
    }

    @Test
    void sequencesKeepRisingAfterRequestsAreDeleted() {
        RotationRequest first = store.requestRotation(Optional.of("n1"));
        client.genericKubernetesResources(EncryptionResources.ROTATION).withName(EncryptionResources.rotationName("n1")).delete();
        assertTrue(store.requestRotation(Optional.of("n2")).sequence() > first.sequence());
    }

    @Test
    void concurrentRequestsForOneNodeEachGetTheirOwnSequence() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<RotationRequest>> futures = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                futures.add(pool.submit(() -> store.requestRotation(Optional.of("n1"))));
            }
            Set<Long> sequences = new HashSet<>();
            for (Future<RotationRequest> f : futures) {
                sequences.add(f.get(30, TimeUnit.SECONDS).sequence());
            }
            assertEquals(15, sequences.size(), "a write that lost the race was computed again, not applied stale");
            assertEquals(sequences.stream().max(Long::compare).orElseThrow(), store.rotationRequests().getFirst().sequence());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void statusRecordsRoundTripAndGarbageIsSkipped() {
        EncryptionStatus status = new EncryptionStatus("n1", 5, Instant.parse("2026-12-01T10:00:00Z"), List.of("n2", "n3"),
                List.of("n2"), List.of("n3"), Map.of("n4", "untrusted"), 3, Map.of("XfrmInNoStates", 2L), false, Instant.now());
        EncryptionStatus fresh = new EncryptionStatus("n2", 1, null, List.of(), List.of(), List.of(), Map.of(), 0, Map.of(), false, Instant.now());
        store.writeStatus(status);
        store.writeStatus(fresh);
        writeRaw(EncryptionResources.STATUS, "n3", Map.of("node", "n1", "epoch", 1));
        writeRaw(EncryptionResources.STATUS, "n4", Map.of("epoch", "many"));
        assertEquals(List.of(status, fresh), store.statuses());
        EncryptionStatus later = new EncryptionStatus("n1", 6, Instant.now(), List.of("n2"), List.of("n2"), List.of(), Map.of(), 2,
                Map.of(), false, Instant.now());
        store.writeStatus(later);
        assertEquals(later, store.statuses().getFirst());
        assertConformsToCrd(EncryptionResources.STATUS, "n1");
        assertConformsToCrd(EncryptionResources.STATUS, "n2");
        assertNull(spec(EncryptionResources.STATUS, "n2").get("lastRotation"), "absent, not null: the schema types it");
    }

    @Test
    void aWatchStoppedByCloseDeliversNothingMore() throws Exception {
        BlockingQueue<AnnouncementEvent> seen = new LinkedBlockingQueue<>();
        store.watchAnnouncements(seen::add).close();
        store.publish(signed("n1", 1));
        assertNull(seen.poll(1, TimeUnit.SECONDS));
        assertNotEquals(Optional.empty(), store.announcement("n1"));
    }

    // ---- helpers

    private static AnnouncementEvent next(BlockingQueue<AnnouncementEvent> seen, String node) throws InterruptedException {
        AnnouncementEvent event;
        do {
            event = seen.poll(5, TimeUnit.SECONDS);
        } while (event != null && !event.node().equals(node));
        return event;
    }

    private void writeRaw(ResourceDefinitionContext kind, String name, Object spec) {
        GenericKubernetesResource object = new GenericKubernetesResource();
        object.setApiVersion(EncryptionResources.apiVersion());
        object.setKind(kind.getKind());
        object.setMetadata(new ObjectMetaBuilder().withName(name).build());
        object.setAdditionalProperty("spec", spec);
        client.genericKubernetesResources(kind).resource(object).create();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> spec(ResourceDefinitionContext kind, String name) {
        return (Map<String, Object>) client.genericKubernetesResources(kind).withName(name).get().getAdditionalProperties().get("spec");
    }

    private void assertConformsToCrd(ResourceDefinitionContext kind, String name) {
        JSONSchemaProps schema = crds.get(kind.getKind()).getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema()
                .getProperties().get("spec");
        conforms(schema, spec(kind, name), kind.getKind() + " " + name + ".spec");
    }

    /** The structural-schema checks a real API server applies: types, required fields, no unknown (pruned) fields. */
    @SuppressWarnings("unchecked")
    private static void conforms(JSONSchemaProps schema, Object value, String path) {
        switch (schema.getType()) {
            case "object" -> {
                assertTrue(value instanceof Map, path + " must be an object: " + value);
                Map<String, Object> fields = (Map<String, Object>) value;
                if (schema.getRequired() != null) {
                    schema.getRequired().forEach(field -> assertTrue(fields.containsKey(field), path + "." + field + " is required"));
                }
                fields.forEach((field, v) -> {
                    JSONSchemaProps fieldSchema = schema.getProperties() != null ? schema.getProperties().get(field)
                            : schema.getAdditionalProperties() == null ? null : schema.getAdditionalProperties().getSchema();
                    assertTrue(fieldSchema != null, path + "." + field + " is not in the CRD's schema: the API server would drop it");
                    conforms(fieldSchema, v, path + "." + field);
                });
            }
            case "array" -> {
                assertTrue(value instanceof List, path + " must be an array: " + value);
                List<Object> items = (List<Object>) value;
                for (int i = 0; i < items.size(); i++) {
                    conforms(schema.getItems().getSchema(), items.get(i), path + "[" + i + "]");
                }
            }
            case "string" -> {
                assertTrue(value instanceof String, path + " must be a string: " + value);
                if ("date-time".equals(schema.getFormat())) {
                    Instant.parse((String) value);
                }
            }
            case "integer" -> assertTrue(value instanceof Integer || value instanceof Long, path + " must be an integer: " + value);
            case "boolean" -> assertTrue(value instanceof Boolean, path + " must be a boolean: " + value);
            default -> throw new AssertionError(path + ": unexpected schema type " + schema.getType());
        }
    }

    private static SignedNodeAnnouncement signed(String node, long revision) throws Exception {
        return signed(ForgedSvid.selfSigned("cluster.test", node), node, revision);
    }

    private static SignedNodeAnnouncement signed(ForgedSvid svid, String node, long revision) {
        NodeAnnouncement announcement = new NodeAnnouncement(node, List.of(IpLiterals.parse("192.168.1.1"), IpLiterals.parse("fd00::1")),
                List.of(Cidr.parse("10.1.0.0/24")), EpochKeyPair.generate(revision).publicKey(), revision,
                List.of(new Acknowledgement("peer-a", 3, revision, new Spi(0xc0000101L))), List.of());
        return SignedNodeAnnouncement.sign(announcement, List.of(svid.certificate()), svid.key().getPrivate());
    }
}
