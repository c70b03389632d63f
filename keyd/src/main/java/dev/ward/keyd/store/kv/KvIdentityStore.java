package dev.ward.keyd.store.kv;

import dev.ward.trust.kv.KvTrustRepository;
import dev.ward.store.kv.VersionedKv;
import dev.ward.keyd.store.CaKeyVault;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.JoinTokenRepository;
import dev.ward.keyd.store.NodeRepository;
import dev.ward.trust.TrustRepository;

import java.util.Optional;

/**
 * The identity store of clusters without Kubernetes: public material and records in a {@link VersionedKv}
 * (etcd, or a directory), the CA keys in a separate owner-only file that never enters the key-value store.
 */
public final class KvIdentityStore implements IdentityStore {
    private final VersionedKv kv;
    private final CaKeyVault caKeys;
    private final KvTrustRepository trust;
    private final KvNodeRepository nodes;
    private final KvJoinTokenRepository tokens;
    private final boolean ownsKv;

    /** @param ownsKv whether {@link #close()} closes {@code kv} (false when the store is shared) */
    public KvIdentityStore(VersionedKv kv, CaKeyVault caKeys, boolean ownsKv) {
        this.kv = kv;
        this.ownsKv = ownsKv;
        this.caKeys = caKeys;
        this.trust = new KvTrustRepository(kv);
        this.nodes = new KvNodeRepository(kv);
        this.tokens = new KvJoinTokenRepository(kv);
    }

    public VersionedKv kv() {
        return kv;
    }

    @Override
    public CaKeyVault caKeys() {
        return caKeys;
    }

    @Override
    public TrustRepository trust() {
        return trust;
    }

    @Override
    public NodeRepository nodes() {
        return nodes;
    }

    @Override
    public Optional<JoinTokenRepository> joinTokens() {
        return Optional.of(tokens);
    }

    @Override
    public String describe() {
        return kv.describe();
    }

    @Override
    public void close() {
        tokens.close();
        if (ownsKv) kv.close();
    }
}
