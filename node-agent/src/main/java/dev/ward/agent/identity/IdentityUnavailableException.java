package dev.ward.agent.identity;

/** The agent cannot obtain an identity; the message says what the operator has to do. */
public final class IdentityUnavailableException extends Exception {
    public IdentityUnavailableException(String message) {
        super(message);
    }

    public IdentityUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
