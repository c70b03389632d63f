package dev.ward.keyd.store.kv;

import dev.ward.trust.kv.KvKeys;
import dev.ward.store.kv.VersionedKv;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.PrefixCache;
import dev.ward.store.kv.KvTxn;
import dev.ward.keyd.JoinToken;
import dev.ward.keyd.store.JoinTokenRepository;
import dev.ward.store.StoredJson;
import dev.ward.store.Versioned;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

final class KvJoinTokenRepository implements JoinTokenRepository, AutoCloseable {
    private final VersionedKv kv;
    /** Followed from the first collection on (keyd's, every maintenance tick), so that collecting lists nothing. */
    private PrefixCache followed;

    KvJoinTokenRepository(VersionedKv kv) {
        this.kv = kv;
    }

    @Override
    public void create(String tokenHash, JoinToken token) {
        String key = KvKeys.token(tokenHash);
        if (!kv.commit(new KvTxn().expectAbsent(key).put(key, StoredJson.write(token)))) {
            throw new IllegalStateException("a token with this hash exists already");
        }
    }

    @Override
    public List<Versioned<JoinToken>> forNode(String node) {
        return kv.list(KvKeys.TOKENS).stream()
                .map(e -> new Versioned<>(decode(e), Long.toString(e.version())))
                .filter(v -> v.value().node().equals(node))
                .toList();
    }

    @Override
    public void invalidateAll(String node, Instant now) {
        for (KvEntry e : kv.list(KvKeys.TOKENS)) {
            JoinToken t = decode(e);
            if (!t.node().equals(node) || t.usedAt() != null || t.invalidatedAt() != null) continue;
            // A lost race means the token was just used or invalidated: either way it is no longer usable.
            kv.commit(new KvTxn().expect(e.key(), e.version()).put(e.key(), StoredJson.write(t.invalidated(now))));
        }
    }

    @Override
    public int deleteExpired(Instant now, Duration grace) {
        int deleted = 0;
        for (KvEntry e : followed().entries()) {
            if (decode(e).expiresAt().plus(grace).isBefore(now)
                    && kv.commit(new KvTxn().expect(e.key(), e.version()).delete(e.key()))) {
                deleted++;
            }
        }
        return deleted;
    }

    private synchronized PrefixCache followed() {
        if (followed == null) followed = new PrefixCache(kv, KvKeys.TOKENS);
        return followed;
    }

    @Override
    public synchronized void close() {
        if (followed != null) followed.close();
    }

    static JoinToken decode(KvEntry e) {
        return StoredJson.read(e.text(), JoinToken.class, "join token " + e.key());
    }
}
