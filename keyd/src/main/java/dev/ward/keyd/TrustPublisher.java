package dev.ward.keyd;

import dev.ward.trust.TrustState;
import dev.ward.trust.Revocation;
import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.CrlSigner;
import dev.ward.pki.RevokedSerial;
import dev.ward.pki.TrustBundle;

import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Computes the next {@link TrustState} from the CA keyring and the revocations: the bundle is exactly the
 * keyring's CAs, and every CA gets a freshly signed CRL of its unexpired revocations. Pure: the stores decide
 * whether the result may replace what is published.
 */
public final class TrustPublisher {
    /** Backdating thisUpdate absorbs small clock differences, as for certificates. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private final Duration crlValidity;

    public TrustPublisher(Duration crlValidity) {
        if (crlValidity.compareTo(Duration.ofMinutes(2)) < 0) throw new IllegalArgumentException("CRL validity must be at least 2 minutes");
        this.crlValidity = crlValidity;
    }

    public TrustState publish(CaKeyring keyring, Optional<TrustState> previous, Collection<Revocation> added, Instant now) {
        Map<BigInteger, Revocation> revocations = new LinkedHashMap<>();
        previous.ifPresent(p -> p.revocations().forEach(r -> revocations.put(r.serial(), r)));
        added.forEach(r -> revocations.putIfAbsent(r.serial(), r));
        // An expired certificate is refused by its validity alone, and a retired CA's certificates by the bundle:
        // neither needs a CRL entry any more.
        revocations.values().removeIf(r -> !r.notAfter().isAfter(now) || keyring.byId(r.caId()).isEmpty());

        long sequence = previous.map(TrustState::sequence).orElse(0L) + 1;
        List<X509Certificate> authorities = keyring.all().stream().map(CertificateAuthority::certificate).toList();
        List<X509CRL> crls = new ArrayList<>();
        for (CertificateAuthority ca : keyring.all()) {
            List<RevokedSerial> entries = revocations.values().stream()
                    .filter(r -> r.caId().equals(ca.id()))
                    .map(r -> new RevokedSerial(r.serial(), r.revokedAt()))
                    .toList();
            crls.add(CrlSigner.sign(ca, entries, now.minus(CLOCK_SKEW), now.plus(crlValidity), sequence));
        }
        return new TrustState(new TrustBundle(keyring.active().trustDomain(), authorities), crls,
                List.copyOf(revocations.values()), sequence);
    }

    /**
     * Whether the published state must be replaced: it is missing, holds other CAs than the keyring (a rotation
     * step did not finish, or someone edited the bundle), lacks revocations keyd knows of, or its CRLs are past
     * half their validity.
     */
    public Optional<String> staleness(CaKeyring keyring, TrustState published, Collection<Revocation> known, Instant now) {
        List<X509Certificate> expected = keyring.all().stream().map(CertificateAuthority::certificate).toList();
        if (!published.bundle().authorities().equals(expected)) {
            return Optional.of("the published bundle holds other CAs than keyd's keyring");
        }
        if (published.crls().size() != expected.size()) {
            return Optional.of("the published CRLs do not cover every CA");
        }
        for (Revocation r : known) {
            // Revocations under a retired CA need no CRL entry: the bundle no longer trusts that CA at all.
            if (r.notAfter().isAfter(now) && keyring.byId(r.caId()).isPresent() && published.revocations().stream().noneMatch(p -> p.serial().equals(r.serial()))) {
                return Optional.of("revoked serial " + r.serial().toString(16) + " of node " + r.node() + " is missing from the CRL");
            }
        }
        Instant halfLife = published.crlsExpireAt().minus(crlValidity.dividedBy(2));
        if (!now.isBefore(halfLife)) {
            return Optional.of("the CRLs are past half their validity");
        }
        return Optional.empty();
    }
}
