package dev.ward.agentapi;

import java.nio.file.Path;
import java.util.List;

/**
 * The agent's local API: one request per connection on a Unix stream socket, as one line of JSON; the agent answers
 * with lines of JSON (interim ones, then a final one) and closes. Every message carries {@code "version"}; a request
 * in a version the agent does not speak is answered {@link ApiError#UNSUPPORTED_VERSION} with the versions it does.
 * Lines are UTF-8, end with {@code \n}, and are at most {@link #MAX_LINE_BYTES} long.
 */
public final class ApiProtocol {
    public static final int VERSION = 1;
    public static final List<Integer> SUPPORTED_VERSIONS = List.of(VERSION);
    /** Where the agent listens unless told otherwise ({@code ward agent --api-socket}). */
    public static final Path DEFAULT_SOCKET = Path.of("/run/ward/agent.sock");
    /** Far above any real message (a node's endpoint list), low enough that a runaway peer costs little. */
    public static final int MAX_LINE_BYTES = 4 << 20;

    private ApiProtocol() {}
}
