package dev.ward.keyd.admin;

import dev.ward.keyd.CaKeyring;
import dev.ward.keyd.NodeRecord;
import dev.ward.keyd.TrustPublication;
import dev.ward.trust.TrustState;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.trust.TamperedTrustException;
import dev.ward.store.Versioned;
import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.KeyAlgorithm;
import io.spiffe.spiffeid.TrustDomain;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The operator's CA operations: init, rotate, retire, and reading what is published. */
public final class CaAdmin {
    private final IdentityStore store;
    private final TrustPublication publication;
    private final Clock clock;

    public CaAdmin(IdentityStore store, TrustPublication publication, Clock clock) {
        this.store = store;
        this.publication = publication;
        this.clock = clock;
    }

    /** Creates the cluster CA and publishes its bundle and empty CRL. Refuses if a CA or bundle exists. */
    public TrustState init(TrustDomain trustDomain, KeyAlgorithm algorithm, Duration validity) {
        Optional<Versioned<TrustState>> existing;
        try {
            existing = store.trust().read();
        } catch (TamperedTrustException e) {
            throw new IllegalStateException("a trust bundle exists in " + store.trust().describe() + " (unreadable: " + e.getMessage() + ")");
        }
        if (existing.isPresent()) {
            throw new IllegalStateException("a CA already exists: " + store.trust().describe() + " holds the bundle of CA "
                    + CertificateAuthority.trustDomainOf(existing.get().value().bundle().issuing()) + " "
                    + dev.ward.pki.Fingerprints.caId(existing.get().value().bundle().issuing())
                    + "; use `wardctl ca rotate` to replace it");
        }
        CertificateAuthority ca = CertificateAuthority.generate(trustDomain, algorithm, validity, clock.instant());
        if (!store.caKeys().create(CaKeyring.of(ca))) {
            throw new IllegalStateException("a CA key already exists in " + store.caKeys().describe() + "; use `wardctl ca rotate` to replace it");
        }
        return publication.publish();
    }

    /** Adds a new CA that signs from now on; the old one stays in the bundle until {@link #retire()}. */
    public TrustState rotate(KeyAlgorithm algorithm, Duration validity) {
        Versioned<CaKeyring> current = store.caKeys().require();
        CertificateAuthority next = CertificateAuthority.generate(current.value().active().trustDomain(), algorithm, validity, clock.instant());
        CaKeyring rotated = current.value().rotatedTo(next);
        if (!store.caKeys().replace(rotated, current.version())) {
            throw new IllegalStateException("the CA keyring in " + store.caKeys().describe() + " changed during the rotation (another operator?); check `wardctl ca show` and retry");
        }
        return publication.publish();
    }

    /**
     * Drops the retiring CA from keyring and bundle. Refuses while a node's current SVID (unexpired, node not
     * revoked) was issued by it, because that node would lose its identity.
     */
    public TrustState retire() {
        Versioned<CaKeyring> current = store.caKeys().require();
        CertificateAuthority retiring = current.value().retiring()
                .orElseThrow(() -> new IllegalStateException("no CA is retiring: start a rotation with `wardctl ca rotate`"));
        List<String> dependents = dependentsOf(retiring.id(), clock.instant());
        if (!dependents.isEmpty()) {
            throw new RetireRefusedException(retiring.id(), dependents);
        }
        if (!store.caKeys().replace(current.value().withoutRetiring(), current.version())) {
            throw new IllegalStateException("the CA keyring in " + store.caKeys().describe() + " changed during retirement; retry");
        }
        return publication.publish();
    }

    /** Nodes whose current SVID still comes from {@code caId}. */
    public List<String> dependentsOf(String caId, Instant now) {
        return store.nodes().list().requireAll().stream()
                .filter(r -> !r.revoked())
                .filter(r -> r.current().filter(s -> s.liveAt(now) && s.caId().equals(caId)).isPresent())
                .map(NodeRecord::node)
                .sorted()
                .toList();
    }

    public Optional<TrustState> published() {
        return store.trust().read().map(Versioned::value);
    }

    /** Thrown by {@link #retire()} with the nodes that still depend on the CA. */
    public static final class RetireRefusedException extends IllegalStateException {
        private final List<String> nodes;

        RetireRefusedException(String caId, List<String> nodes) {
            super("cannot retire CA " + caId + ": " + nodes.size() + " node(s) still use SVIDs it issued ("
                    + String.join(", ", nodes.subList(0, Math.min(nodes.size(), 10))) + (nodes.size() > 10 ? ", ..." : "")
                    + "); they renew under the new CA shortly, retry then");
            this.nodes = List.copyOf(nodes);
        }

        public List<String> nodes() {
            return nodes;
        }
    }

}
