package dev.ward.agentapi;

/** A message that is not what the protocol says; {@link #code()} is the {@link ApiError} code to answer with. */
public final class ApiProtocolException extends Exception {
    private final String code;

    public ApiProtocolException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
