package dev.ward.store;

/**
 * A record in a store that does not parse or does not verify: edited by hand, truncated, or tampered with.
 * Readers refuse it rather than act on it.
 */
public class CorruptRecordException extends RuntimeException {
    public CorruptRecordException(String message) {
        super(message);
    }

    public CorruptRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
