package dev.ward.cli.endpoints;

import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.AgentTimeoutException;
import dev.ward.agentapi.AgentUnreachableException;
import dev.ward.agentapi.ApiProtocol;
import dev.ward.agentapi.ApiProtocolException;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.cli.CommandFailure;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** {@code --socket} and {@code --timeout} of the commands that ask a node's agent over its local API. */
public final class AgentSocketOptions {
    @Option(names = "--socket", paramLabel = "PATH", description = "The agent's API socket (default: ${DEFAULT-VALUE}).")
    Path socket = ApiProtocol.DEFAULT_SOCKET;

    @Option(names = "--timeout", defaultValue = "10s", converter = dev.ward.cli.identity.Durations.class, paramLabel = "DURATION",
            description = "How long to wait for the agent (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    /** The agent's final answer to {@code request}; a refusal or an unreachable agent is a {@link CommandFailure}. */
    public ApiResponse ask(ApiRequest request) {
        ApiResponse answer;
        try {
            answer = new AgentClient(socket, timeout).call(request, r -> { });
        } catch (AgentUnreachableException | AgentTimeoutException | ApiProtocolException e) {
            throw new CommandFailure(e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure("asking the agent at " + socket + " failed: " + e.getMessage());
        }
        if (answer instanceof ApiResponse.Failure f) throw new CommandFailure("the agent refused: " + f.message());
        return answer;
    }
}
