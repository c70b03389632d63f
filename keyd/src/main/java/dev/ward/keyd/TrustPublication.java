package dev.ward.keyd;

import dev.ward.trust.TrustState;
import dev.ward.trust.Revocation;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.trust.TamperedTrustException;
import dev.ward.store.Versioned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    public TrustPublication(IdentityStore store, TrustPublisher publisher, Clock clock) {
        this.store = store;
        this.publisher = publisher;
        this.clock = clock;
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
            List<Revocation> known = revocationsOfRevokedNodes(now);
            if (!always && exists && current.isPresent()) {
                Optional<String> stale = publisher.staleness(keyring, current.get(), known, now);
                if (stale.isEmpty()) return Optional.empty();
                LOG.info("republishing the trust bundle: {}", stale.get());
            }
            TrustState next = publisher.publish(keyring, current, known, now);
            boolean written = exists ? store.trust().replace(next, version) : store.trust().create(next);
            if (written) return Optional.of(next);
        }
        throw new IllegalStateException("could not publish the trust bundle to " + store.trust().describe()
                + ": " + ATTEMPTS + " attempts lost to concurrent writers");
    }

    private List<Revocation> revocationsOfRevokedNodes(Instant now) {
        List<Revocation> out = new ArrayList<>();
        for (NodeRecord r : store.nodes().list().requireAll()) {
            if (!r.revoked()) continue;
            for (IssuedSvid s : r.live(now)) {
                out.add(new Revocation(s.serial(), s.caId(), r.node(), r.revokedAt(), s.notAfter()));
            }
        }
        return out;
    }
}
