package dev.ward.agent.encryption.store.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.agent.encryption.AnnouncementJson;
import dev.ward.pki.NodeNames;
import dev.ward.agent.encryption.SignedNodeAnnouncement;
import dev.ward.agent.encryption.store.AnnouncementEvent;
import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.RotationRequest;
import dev.ward.store.CorruptRecordException;
import dev.ward.store.StoredJson;
import dev.ward.store.Subscription;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encryption store on the Kubernetes API, in three cluster-scoped custom resources (see
 * {@link EncryptionResources}): a {@code WardNodeAnnouncement} per node whose spec is the announcement's JSON
 * fields (the signature covers the canonical encoding of the decoded fields, so the API server's re-serialising
 * does not matter), {@code WardKeyRotation} requests and a {@code WardEncryptionStatus} per node. The API server
 * offers create (409 when the name exists) and updates guarded by resourceVersion (409 when someone changed the
 * object first); every write is one of those, retried on a lost race.
 *
 * <p>Rotation requests are ordered by {@code spec.sequence}: one more than the highest stored, and never less
 * than the request's time in milliseconds, so sequences keep rising even after request objects are deleted
 * (resourceVersions are opaque, and may not be compared). Two requests racing for different objects may share a
 * sequence; a node they both apply to then rotates once, which is what both asked for.
 */
public final class KubernetesEncryptionStore implements EncryptionStore {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesEncryptionStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_RETRIES = 20;

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final Clock clock;

    /** @param ownsClient whether {@link #close()} closes {@code client} */
    public KubernetesEncryptionStore(KubernetesClient client, boolean ownsClient, Clock clock) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.clock = clock;
    }

    /** The stored form of a rotation request ({@code node} absent: every node). */
    record StoredRotation(String node, long sequence, Instant requestedAt) {
    }

    // ---- announcements

    @Override
    public void publish(SignedNodeAnnouncement announcement) {
        String node = announcement.announcement().node();
        write(EncryptionResources.ANNOUNCEMENT, node, current -> AnnouncementJson.toTree(announcement));
    }

    @Override
    public Optional<AnnouncementEvent> announcement(String node) {
        return Optional.ofNullable(objects(EncryptionResources.ANNOUNCEMENT).withName(NodeNames.require(node, "node name")).get())
                .map(KubernetesEncryptionStore::decodeAnnouncement);
    }

    @Override
    public List<AnnouncementEvent> announcements() {
        return listByName(EncryptionResources.ANNOUNCEMENT).stream().map(KubernetesEncryptionStore::decodeAnnouncement).toList();
    }

    @Override
    public boolean withdraw(String node) {
        return !objects(EncryptionResources.ANNOUNCEMENT).withName(NodeNames.require(node, "node name")).delete().isEmpty();
    }

    @Override
    public boolean removeNode(String node) {
        String name = NodeNames.require(node, "node name");
        boolean removed = false;
        removed |= !objects(EncryptionResources.ANNOUNCEMENT).withName(name).delete().isEmpty();
        removed |= !objects(EncryptionResources.STATUS).withName(name).delete().isEmpty();
        removed |= !objects(EncryptionResources.ROTATION).withName(EncryptionResources.rotationName(name)).delete().isEmpty();
        return removed;
    }

    @Override
    public java.util.Set<String> nodes() {
        java.util.Set<String> nodes = new java.util.TreeSet<>();
        for (ResourceDefinitionContext kind : List.of(EncryptionResources.ANNOUNCEMENT, EncryptionResources.STATUS)) {
            objects(kind).list().getItems().forEach(o -> nodes.add(o.getMetadata().getName()));
        }
        return nodes;
    }

    @Override
    public Subscription watchAnnouncements(Consumer<AnnouncementEvent> listener) {
        return ChangesAfterNow.watch(objects(EncryptionResources.ANNOUNCEMENT), "node announcements",
                object -> listener.accept(decodeAnnouncement(object)),
                object -> listener.accept(new AnnouncementEvent.Withdrawn(object.getMetadata().getName())));
    }

    // ---- rotation requests

    @Override
    public RotationRequest requestRotation(Optional<String> node) {
        String name = node.map(EncryptionResources::rotationName).orElse(EncryptionResources.ROTATE_ALL);
        Instant at = clock.instant();
        GenericKubernetesResource written = write(EncryptionResources.ROTATION, name, current -> {
            long sequence = Math.max(highestRotationSequence() + 1, at.toEpochMilli());
            return stored(new StoredRotation(node.orElse(null), sequence, at));
        });
        return decodeRotation(written);
    }

    @Override
    public List<RotationRequest> rotationRequests() {
        List<RotationRequest> requests = new ArrayList<>();
        for (GenericKubernetesResource object : objects(EncryptionResources.ROTATION).list().getItems()) {
            readableRotation(object).ifPresent(requests::add);
        }
        requests.sort(java.util.Comparator.comparingLong(RotationRequest::sequence));
        return requests;
    }

    @Override
    public Subscription watchRotationRequests(Consumer<RotationRequest> listener) {
        return ChangesAfterNow.watch(objects(EncryptionResources.ROTATION), "key rotation requests",
                object -> readableRotation(object).ifPresent(listener), object -> { });
    }

    // ---- status

    @Override
    public void writeStatus(EncryptionStatus status) {
        String node = NodeNames.require(status.node(), "node name");
        write(EncryptionResources.STATUS, node, current -> stored(status));
    }

    @Override
    public List<EncryptionStatus> statuses() {
        List<EncryptionStatus> all = new ArrayList<>();
        for (GenericKubernetesResource object : listByName(EncryptionResources.STATUS)) {
            String what = "status record " + object.getMetadata().getName();
            try {
                EncryptionStatus status = StoredJson.read(spec(object).toString(), EncryptionStatus.class, what);
                if (!object.getMetadata().getName().equals(status.node())) {
                    throw new CorruptRecordException(what + " reports node " + status.node());
                }
                all.add(status);
            } catch (CorruptRecordException e) {
                LOG.warn("skipping {}", e.getMessage());
            }
        }
        return all;
    }

    @Override
    public String describe() {
        return "encryption resources (" + EncryptionResources.GROUP + ") in Kubernetes " + client.getMasterUrl();
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    // ---- the API server's create and guarded update

    private interface SpecWriter {
        /** The spec to write, given the object as stored now (null: there is none). */
        JsonNode spec(GenericKubernetesResource current);
    }

    /** Creates or replaces the object's spec; a write that lost a race is computed again from the winner's. */
    private GenericKubernetesResource write(ResourceDefinitionContext kind, String name, SpecWriter writer) {
        var objects = objects(kind);
        for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
            GenericKubernetesResource current = objects.withName(name).get();
            try {
                if (current == null) {
                    GenericKubernetesResource created = new GenericKubernetesResource();
                    created.setApiVersion(EncryptionResources.apiVersion());
                    created.setKind(kind.getKind());
                    created.setMetadata(new ObjectMetaBuilder().withName(name).build());
                    created.setAdditionalProperty("spec", JSON.convertValue(writer.spec(null), Map.class));
                    return objects.resource(created).create();
                }
                current.setAdditionalProperty("spec", JSON.convertValue(writer.spec(current), Map.class));
                return objects.resource(current).lockResourceVersion(current.getMetadata().getResourceVersion()).update();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw new IllegalStateException("the API server refused to write " + kind.getKind() + " " + name + ": " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalStateException(kind.getKind() + " " + name + ": too many concurrent writes, gave up after " + MAX_RETRIES);
    }

    private long highestRotationSequence() {
        return rotationRequests().stream().mapToLong(RotationRequest::sequence).max().orElse(0);
    }

    /** Sorted as the API server sorts today (it does not promise to), so that callers see a stable order. */
    private List<GenericKubernetesResource> listByName(ResourceDefinitionContext kind) {
        List<GenericKubernetesResource> items = new ArrayList<>(objects(kind).list().getItems());
        items.sort(java.util.Comparator.comparing(object -> object.getMetadata().getName()));
        return items;
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> objects(ResourceDefinitionContext kind) {
        return client.genericKubernetesResources(kind);
    }

    // ---- decoding: the API server holds whatever anyone with write access put there

    /**
     * A record as keyd's stores write it (ISO-8601 instants), as a tree for a spec. Absent values are left out
     * rather than written as null, which a structural schema refuses for a typed field.
     */
    private static JsonNode stored(Object record) {
        try {
            ObjectNode tree = (ObjectNode) JSON.readTree(StoredJson.write(record));
            List<String> absent = new ArrayList<>();
            tree.fieldNames().forEachRemaining(name -> {
                if (tree.get(name).isNull()) {
                    absent.add(name);
                }
            });
            return tree.without(absent);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot encode " + record, e);
        }
    }

    private static JsonNode spec(GenericKubernetesResource object) {
        return JSON.valueToTree(object.getAdditionalProperties().get("spec"));
    }

    private static AnnouncementEvent decodeAnnouncement(GenericKubernetesResource object) {
        String node = object.getMetadata().getName();
        JsonNode spec = spec(object);
        if (spec.isNull() || spec.isMissingNode()) {
            return new AnnouncementEvent.Malformed(node, "the " + object.getKind() + " has no spec");
        }
        return AnnouncementEvent.stored(node, () -> AnnouncementJson.fromTree(spec));
    }

    private static Optional<RotationRequest> readableRotation(GenericKubernetesResource object) {
        try {
            return Optional.of(decodeRotation(object));
        } catch (CorruptRecordException e) {
            LOG.warn("ignoring {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static RotationRequest decodeRotation(GenericKubernetesResource object) {
        String name = object.getMetadata().getName();
        String what = "rotation request " + name;
        StoredRotation stored = StoredJson.read(spec(object).toString(), StoredRotation.class, what);
        Optional<String> node = Optional.ofNullable(stored.node());
        String expectedName;
        try {
            expectedName = node.map(EncryptionResources::rotationName).orElse(EncryptionResources.ROTATE_ALL);
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException(what + " names an invalid node: " + e.getMessage());
        }
        if (!expectedName.equals(name) || stored.requestedAt() == null || stored.sequence() <= 0) {
            throw new CorruptRecordException(what + " does not match its name or has no time or sequence");
        }
        return new RotationRequest(node, stored.sequence(), stored.requestedAt());
    }
}
