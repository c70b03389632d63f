package dev.ward.agent.encryption.store;

import dev.ward.agent.encryption.AnnouncementJson;
import dev.ward.pki.NodeNames;
import dev.ward.agent.encryption.SignedNodeAnnouncement;
import dev.ward.store.CorruptRecordException;
import dev.ward.store.StoredJson;
import dev.ward.store.Subscription;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.KvEvent;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encryption store over etcd or a directory, under {@code /ward/encryption/}: {@code announcements/NODE}
 * (announcement JSON), {@code rotation/all} and {@code rotation/node/NODE} (the latest request; its store
 * revision is its sequence), {@code status/NODE}.
 */
public final class KvEncryptionStore implements EncryptionStore {
    public static final String PREFIX = "/ward/encryption/";
    static final String ANNOUNCEMENTS = PREFIX + "announcements/";
    static final String ROTATION = PREFIX + "rotation/";
    static final String ROTATION_ALL = ROTATION + "all";
    static final String ROTATION_NODE = ROTATION + "node/";
    static final String STATUS = PREFIX + "status/";
    private static final Logger LOG = LoggerFactory.getLogger(KvEncryptionStore.class);

    private final VersionedKv kv;
    private final boolean ownsKv;
    private final Clock clock;

    /** @param ownsKv whether {@link #close()} closes {@code kv} (false when it is shared with the identity store) */
    public KvEncryptionStore(VersionedKv kv, boolean ownsKv, Clock clock) {
        this.kv = kv;
        this.ownsKv = ownsKv;
        this.clock = clock;
    }

    /** The stored form of a rotation request; its sequence is the entry's version. */
    record StoredRotation(String node, Instant requestedAt) {
    }

    @Override
    public void publish(SignedNodeAnnouncement announcement) {
        put(ANNOUNCEMENTS + announcement.announcement().node(), AnnouncementJson.toJson(announcement));
    }

    @Override
    public Optional<AnnouncementEvent> announcement(String node) {
        return kv.get(ANNOUNCEMENTS + NodeNames.require(node, "node name")).map(e -> decodeAnnouncement(e.key(), e.text()));
    }

    @Override
    public List<AnnouncementEvent> announcements() {
        return kv.list(ANNOUNCEMENTS).stream().map(e -> decodeAnnouncement(e.key(), e.text())).toList();
    }

    @Override
    public boolean withdraw(String node) {
        String key = ANNOUNCEMENTS + NodeNames.require(node, "node name");
        Optional<KvEntry> entry = kv.get(key);
        return entry.isPresent() && kv.commit(new KvTxn().expect(key, entry.get().version()).delete(key));
    }

    @Override
    public boolean removeNode(String node) {
        String name = NodeNames.require(node, "node name");
        boolean removed = false;
        for (String key : List.of(ANNOUNCEMENTS + name, STATUS + name, ROTATION_NODE + name)) {
            if (kv.get(key).isPresent()) {
                removed |= kv.commit(new KvTxn().delete(key));
            }
        }
        return removed;
    }

    @Override
    public java.util.Set<String> nodes() {
        java.util.Set<String> nodes = new java.util.TreeSet<>();
        kv.list(ANNOUNCEMENTS).forEach(e -> nodes.add(e.key().substring(ANNOUNCEMENTS.length())));
        kv.list(STATUS).forEach(e -> nodes.add(e.key().substring(STATUS.length())));
        return nodes;
    }

    @Override
    public Subscription watchAnnouncements(Consumer<AnnouncementEvent> listener) {
        return kv.watch(ANNOUNCEMENTS, event -> {
            String node = event.key().substring(ANNOUNCEMENTS.length());
            listener.accept(event.deleted() ? new AnnouncementEvent.Withdrawn(node) : decodeAnnouncement(event.key(), event.text()));
        });
    }

    @Override
    public RotationRequest requestRotation(Optional<String> node) {
        String key = node.map(n -> ROTATION_NODE + NodeNames.require(n, "node name")).orElse(ROTATION_ALL);
        put(key, StoredJson.write(new StoredRotation(node.orElse(null), clock.instant())));
        KvEntry written = kv.get(key).orElseThrow(() -> new IllegalStateException("the rotation request for " + key + " vanished after writing it"));
        return decodeRotation(written.key(), written.text(), written.version());
    }

    @Override
    public List<RotationRequest> rotationRequests() {
        List<RotationRequest> requests = new ArrayList<>();
        for (KvEntry entry : kv.list(ROTATION)) {
            readableRotation(entry.key(), entry.text(), entry.version()).ifPresent(requests::add);
        }
        return requests;
    }

    @Override
    public Subscription watchRotationRequests(Consumer<RotationRequest> listener) {
        return kv.watch(ROTATION, event -> {
            if (!event.deleted()) {
                readableRotation(event.key(), event.text(), event.version()).ifPresent(listener);
            }
        });
    }

    @Override
    public void writeStatus(EncryptionStatus status) {
        put(STATUS + NodeNames.require(status.node(), "node name"), StoredJson.write(status));
    }

    @Override
    public List<EncryptionStatus> statuses() {
        List<EncryptionStatus> all = new ArrayList<>();
        for (KvEntry entry : kv.list(STATUS)) {
            try {
                all.add(StoredJson.read(entry.text(), EncryptionStatus.class, "status record " + entry.key()));
            } catch (CorruptRecordException e) {
                LOG.warn("skipping {}", e.getMessage());
            }
        }
        return all;
    }

    @Override
    public String describe() {
        return "encryption records under " + PREFIX + " in " + kv.describe();
    }

    @Override
    public void close() {
        if (ownsKv) {
            kv.close();
        }
    }

    private void put(String key, String value) {
        if (!kv.commit(new KvTxn().put(key, value))) {
            throw new IllegalStateException("the store refused to write " + key);
        }
    }

    private static AnnouncementEvent decodeAnnouncement(String key, String json) {
        return AnnouncementEvent.stored(key.substring(ANNOUNCEMENTS.length()), () -> AnnouncementJson.fromJson(json));
    }

    private static Optional<RotationRequest> readableRotation(String key, String json, long version) {
        try {
            return Optional.of(decodeRotation(key, json, version));
        } catch (CorruptRecordException e) {
            LOG.warn("ignoring {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static RotationRequest decodeRotation(String key, String json, long version) {
        StoredRotation stored = StoredJson.read(json, StoredRotation.class, "rotation request " + key);
        Optional<String> node = key.equals(ROTATION_ALL) ? Optional.empty() : Optional.of(key.substring(ROTATION_NODE.length()));
        if (stored.requestedAt() == null || !node.equals(Optional.ofNullable(stored.node()))) {
            throw new CorruptRecordException("rotation request " + key + " does not match its key or has no time");
        }
        return new RotationRequest(node, version, stored.requestedAt());
    }
}
