package dev.ward.agent.identity;

/** keyd refused the request; {@link #reason()} is its CamelCase reason (e.g. {@code NodeRevoked}). */
public final class EnrollmentDeniedException extends Exception {
    private final String reason;

    public EnrollmentDeniedException(String reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
