package dev.ward.agent;

/** A subsystem did not start; the message names it and the reason, for the operator. */
public final class AgentStartException extends RuntimeException {
    private final String subsystem;

    AgentStartException(String subsystem, Exception cause) {
        super("cannot start " + subsystem + ": " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), cause);
        this.subsystem = subsystem;
    }

    public String subsystem() {
        return subsystem;
    }
}
