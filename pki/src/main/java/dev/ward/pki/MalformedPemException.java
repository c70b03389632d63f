package dev.ward.pki;

/** PEM text that does not hold what it should: no block, a broken block, or a block of the wrong type. */
public final class MalformedPemException extends IllegalArgumentException {
    public MalformedPemException(String message) {
        super(message);
    }

    public MalformedPemException(String message, Throwable cause) {
        super(message, cause);
    }
}
