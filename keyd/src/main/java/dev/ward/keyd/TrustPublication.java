package dev.ward.keyd;

import dev.ward.trust.TrustState;
import dev.ward.trust.Revocation;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.NodeListing;
import dev.ward.trust.TamperedTrustException;
import dev.ward.store.Versioned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Publishes the trust state with compare-and-set, retrying on conflicts. The revocations always include every
 * revoked node's live SVIDs from the node records, so a publication can never drop a revocation: it reads the
 * trust state first and the records second, and a revoker writes its record before it publishes, so whichever
 * publication lands last has seen every record written before the state it replaced.
 */
public final class TrustPublication {
    private static final Logger LOG = LoggerFactory.getLogger(TrustPublication.class);
    private static final int ATTEMPTS = 10;

    private final IdentityStore store;
    private final TrustPublisher publisher;
    private final Clock clock;
    private final Supplier<NodeListing> recordsToCheck;

    public TrustPublication(IdentityStore store, TrustPublisher publisher, Clock clock) {
        this(store, publisher, clock, () -> store.nodes().list());
    }

    /**
     * @param recordsToCheck the node records {@link #refreshIfStale()} checks the CRL against: keyd passes those it
     *                       follows, so its periodic check lists nothing; a publication still reads them fresh
     */
    public TrustPublication(IdentityStore store, TrustPublisher publisher, Clock clock, Supplier<NodeListing> recordsToCheck) {
        this.store = store;
        this.publisher = publisher;
        this.clock = clock;
        this.recordsToCheck = recordsToCheck;
    }

    /** Publishes a new state unconditionally (after a CA or revocation change). */
    public TrustState publish() {
        return run(true).orElseThrow();
    }

    /** Publishes only if the current state is missing, altered or stale; returns the new state if it did. */
    public Optional<TrustState> refreshIfStale() {
        return run(false);
    }

    private Optional<TrustState> run(boolean always) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            CaKeyring keyring = store.caKeys().require().value();
            Optional<TrustState> current;
            String version;
            boolean exists;
            try {
                Optional<Versioned<TrustState>> read = store.trust().read();
                current = read.map(Versioned::value);
                version = read.map(Versioned::version).orElse(null);
                exists = read.isPresent();
            } catch (TamperedTrustException e) {
                LOG.error("{}; republishing it from keyd's CA keyring and node records", e.getMessage());
                current = Optional.empty();
                version = e.version();
                exists = true;
            }
            Instant now = clock.instant();
            if (!always && exists && current.isPresent()) {
                Optional<String> stale = publisher.staleness(keyring, current.get(), revocationsOfRevokedNodes(recordsToCheck.get(), now), now);
                if (stale.isEmpty()) return Optional.empty();
                LOG.info("republishing the trust bundle: {}", stale.get());
            }
            // Read now, after the trust state: see the class comment for why a publication never uses a cache.
            List<Revocation> known = revocationsOfRevokedNodes(store.nodes().list(), now);
            TrustState next = publisher.publish(keyring, current, known, now);
            boolean written = exists ? store.trust().replace(next, version) : store.trust().create(next);
            if (written) return Optional.of(next);
        }
        throw new IllegalStateException("could not publish the trust bundle to " + store.trust().describe()
                + ": " + ATTEMPTS + " attempts lost to concurrent writers");
    }

    private static List<Revocation> revocationsOfRevokedNodes(NodeListing records, Instant now) {
        List<Revocation> out = new ArrayList<>();
        for (NodeRecord r : records.requireAll()) {
            if (!r.revoked()) continue;
            for (IssuedSvid s : r.live(now)) {
                out.add(new Revocation(s.serial(), s.caId(), r.node(), r.revokedAt(), s.notAfter()));
            }
        }
        return out;
    }
}
