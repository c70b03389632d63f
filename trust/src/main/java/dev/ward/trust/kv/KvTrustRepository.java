package dev.ward.trust.kv;

import dev.ward.store.kv.VersionedKv;
import dev.ward.store.kv.KvTxn;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.ward.trust.TrustState;
import dev.ward.store.CorruptRecordException;
import dev.ward.store.StoredJson;
import dev.ward.store.Subscription;
import dev.ward.trust.TamperedTrustException;
import dev.ward.trust.TrustRepository;
import dev.ward.trust.TrustStateCodec;
import dev.ward.store.Versioned;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** The trust state as one JSON object of its documents under {@link KvKeys#TRUST}. */
public final class KvTrustRepository implements TrustRepository {
    private final VersionedKv kv;

    public KvTrustRepository(VersionedKv kv) {
        this.kv = kv;
    }

    @Override
    public Optional<Versioned<TrustState>> read() {
        return kv.get(KvKeys.TRUST).map(e -> new Versioned<>(decode(e.text(), e.version()), Long.toString(e.version())));
    }

    @Override
    public boolean create(TrustState state) {
        return kv.commit(new KvTxn().expectAbsent(KvKeys.TRUST).put(KvKeys.TRUST, StoredJson.write(TrustStateCodec.encode(state))));
    }

    @Override
    public boolean replace(TrustState state, String expectedVersion) {
        return kv.commit(new KvTxn().expect(KvKeys.TRUST, Long.parseLong(expectedVersion))
                .put(KvKeys.TRUST, StoredJson.write(TrustStateCodec.encode(state))));
    }

    @Override
    public Subscription watch(Consumer<Versioned<TrustState>> changed, Consumer<TamperedTrustException> unreadable) {
        // Register first, then read: a change between the two is delivered twice rather than lost.
        Subscription s = kv.watch(KvKeys.TRUST, event -> {
            if (!event.key().equals(KvKeys.TRUST) || event.deleted()) return;
            deliver(event.text(), event.version(), changed, unreadable);
        });
        kv.get(KvKeys.TRUST).ifPresent(e -> deliver(e.text(), e.version(), changed, unreadable));
        return s;
    }

    private static void deliver(String json, long version, Consumer<Versioned<TrustState>> changed, Consumer<TamperedTrustException> unreadable) {
        TrustState state;
        try {
            state = decode(json, version);
        } catch (TamperedTrustException e) {
            unreadable.accept(e);
            return;
        }
        changed.accept(new Versioned<>(state, Long.toString(version)));
    }

    @Override
    public String describe() {
        return kv.describe() + " key " + KvKeys.TRUST;
    }

    private static TrustState decode(String json, long version) {
        Map<String, String> docs;
        try {
            docs = StoredJson.mapper().readValue(json, new TypeReference<>() {});
        } catch (IOException | CorruptRecordException e) {
            throw new TamperedTrustException("the published trust state is not a JSON object of documents: " + e.getMessage(),
                    Long.toString(version), e);
        }
        return TrustStateCodec.decode(docs, Long.toString(version));
    }
}
