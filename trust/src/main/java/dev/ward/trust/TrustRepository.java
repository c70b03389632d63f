package dev.ward.trust;

import dev.ward.store.Subscription;
import dev.ward.store.Versioned;
import dev.ward.trust.TrustState;

import java.util.Optional;
import java.util.function.Consumer;

/** The published trust state (bundle, CRLs, revocations): public, read by every node, written by keyd. */
public interface TrustRepository {
    /** @throws TamperedTrustException if a state is stored but does not verify */
    Optional<Versioned<TrustState>> read();

    /** Publishes the first state; false if one exists. */
    boolean create(TrustState state);

    /** Replaces the state if it is still at {@code expectedVersion}; false if it changed meanwhile. */
    boolean replace(TrustState state, String expectedVersion);

    /**
     * Delivers the current state, then every change, from a store watch (not polling), so a revocation reaches
     * watchers within a round trip. States that do not verify go to {@code unreadable} instead.
     */
    Subscription watch(Consumer<Versioned<TrustState>> changed, Consumer<TamperedTrustException> unreadable);

    String describe();
}
