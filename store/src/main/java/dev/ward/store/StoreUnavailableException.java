package dev.ward.store;

/**
 * The store an operator named cannot be used at all (no Kubernetes API, a directory that is not there): the message
 * says what is missing and how to name another store, in one line.
 */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message) {
        super(message);
    }
}
