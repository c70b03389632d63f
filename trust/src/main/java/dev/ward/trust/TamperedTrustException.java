package dev.ward.trust;

import dev.ward.store.CorruptRecordException;

/**
 * The published trust state exists but cannot be trusted (a certificate or CRL fails its signature, the PEM and
 * SPIFFE forms disagree, ...). Carries the store version so keyd can overwrite exactly that state.
 */
public final class TamperedTrustException extends CorruptRecordException {
    private final String version;

    public TamperedTrustException(String message, String version, Throwable cause) {
        super(message, cause);
        this.version = version;
    }

    public String version() {
        return version;
    }
}
