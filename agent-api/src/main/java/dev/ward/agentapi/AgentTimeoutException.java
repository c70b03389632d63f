package dev.ward.agentapi;

/**
 * The agent did not give its final answer in time; {@link #lastInterim()} is the last interim answer it gave (for an
 * ADD: accepted, so the endpoint is registered but the datapath did not confirm), or null.
 */
public final class AgentTimeoutException extends Exception {
    private final ApiResponse lastInterim;

    public AgentTimeoutException(String message, ApiResponse lastInterim) {
        super(message);
        this.lastInterim = lastInterim;
    }

    public ApiResponse lastInterim() {
        return lastInterim;
    }
}
