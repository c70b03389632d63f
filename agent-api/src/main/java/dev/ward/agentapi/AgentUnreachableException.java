package dev.ward.agentapi;

import java.nio.file.Path;

/** Nothing serves the agent's socket: the agent is not running on this node, or listens elsewhere. */
public final class AgentUnreachableException extends Exception {
    private final Path socket;

    public AgentUnreachableException(Path socket, String reason, Throwable cause) {
        super("the Ward agent is not reachable at " + socket + " (" + reason + "): is `ward agent --api-socket " + socket
                + "` running on this node?", cause);
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }
}
