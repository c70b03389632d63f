package dev.ward.store.kv;

/** The store could not be reached or refused an operation for a reason other than a version conflict. */
public final class KvStoreException extends RuntimeException {
    public KvStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
