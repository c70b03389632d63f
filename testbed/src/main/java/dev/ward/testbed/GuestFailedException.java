package dev.ward.testbed;

/** The guest kernel did not boot, hung, or died before reporting how its commands ended. */
public final class GuestFailedException extends RuntimeException {
    public GuestFailedException(String message) {
        super(message);
    }
}
