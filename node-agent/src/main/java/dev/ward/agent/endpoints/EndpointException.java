package dev.ward.agent.endpoints;

/** An endpoint request the agent refused or could not carry out; {@link #code()} is the API's error code. */
public final class EndpointException extends Exception {
    private final String code;

    public EndpointException(String code, String message) {
        super(message);
        this.code = code;
    }

    public EndpointException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
