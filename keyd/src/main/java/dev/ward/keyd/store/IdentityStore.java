package dev.ward.keyd.store;

import dev.ward.trust.TrustRepository;
import java.util.Optional;

/**
 * Everything keyd and wardctl share through the cluster's store: the CA keys, the published trust, the node
 * records, and (without Kubernetes) join tokens. Each write is a compare-and-set, so replicas never overwrite
 * each other's work.
 */
public interface IdentityStore extends AutoCloseable {
    CaKeyVault caKeys();

    TrustRepository trust();

    NodeRepository nodes();

    /** Empty in Kubernetes, where nodes attest with their ServiceAccount tokens instead. */
    Optional<JoinTokenRepository> joinTokens();

    String describe();

    @Override
    void close();
}
