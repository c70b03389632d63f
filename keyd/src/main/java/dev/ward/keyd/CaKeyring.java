package dev.ward.keyd;

import dev.ward.pki.CertificateAuthority;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The CA key pairs keyd holds: the active CA, which signs new SVIDs, and during a rotation the retiring CA,
 * whose SVIDs stay trusted (and revocable: keyd still signs its CRL) until it is retired.
 */
public record CaKeyring(CertificateAuthority active, Optional<CertificateAuthority> retiring) {

    public CaKeyring {
        if (retiring.isPresent() && !retiring.get().trustDomain().equals(active.trustDomain())) {
            throw new IllegalArgumentException("the retiring CA serves " + retiring.get().trustDomain() + ", the active one " + active.trustDomain());
        }
    }

    public static CaKeyring of(CertificateAuthority active) {
        return new CaKeyring(active, Optional.empty());
    }

    /** Active first. */
    public List<CertificateAuthority> all() {
        List<CertificateAuthority> out = new ArrayList<>(2);
        out.add(active);
        retiring.ifPresent(out::add);
        return out;
    }

    public Optional<CertificateAuthority> byId(String caId) {
        return all().stream().filter(ca -> ca.id().equals(caId)).findFirst();
    }

    /** Starts a rotation: {@code next} signs from now on, the current CA retires. One rotation at a time. */
    public CaKeyring rotatedTo(CertificateAuthority next) {
        if (retiring.isPresent()) {
            throw new IllegalStateException("a CA rotation is already in progress: retire CA " + retiring.get().id()
                    + " with `wardctl ca retire` before rotating again");
        }
        return new CaKeyring(next, Optional.of(active));
    }

    public CaKeyring withoutRetiring() {
        if (retiring.isEmpty()) throw new IllegalStateException("no CA is retiring: start a rotation with `wardctl ca rotate`");
        return of(active);
    }
}
