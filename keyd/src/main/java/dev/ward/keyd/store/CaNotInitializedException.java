package dev.ward.keyd.store;

/** There is no CA key where the store keeps it; the message names the command that creates one. */
public final class CaNotInitializedException extends IllegalStateException {
    public CaNotInitializedException(String message) {
        super(message);
    }
}
