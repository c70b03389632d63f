package dev.ward.cli.endpoints;

import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.AgentTimeoutException;
import dev.ward.agentapi.AgentUnreachableException;
import dev.ward.agentapi.ApiProtocol;
import dev.ward.agentapi.ApiProtocolException;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.OutputOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code wardctl endpoint list}: a node's endpoints as its agent's registry holds them, asked over the agent's socket
 * (run it on the node, or in the agent's pod).
 */
@Command(name = "endpoint", description = "Inspect the endpoints (pods) of a node.", subcommands = {EndpointCommand.ListEndpoints.class, CommandLine.HelpCommand.class})
public final class EndpointCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (list)");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List this node's endpoints: name, pod, addresses, identity, labels, veth, state (from the agent's registry).")
    public static final class ListEndpoints implements Runnable {
        @Option(names = "--socket", paramLabel = "PATH", description = "The agent's API socket (default: ${DEFAULT-VALUE}).")
        Path socket = ApiProtocol.DEFAULT_SOCKET;

        @Option(names = "--timeout", defaultValue = "10s", converter = dev.ward.cli.identity.Durations.class, paramLabel = "DURATION",
                description = "How long to wait for the agent (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Mixin OutputOption output;

        @Override
        public void run() {
            ApiResponse answer;
            try {
                answer = new AgentClient(socket, timeout).call(new ApiRequest.ListEndpoints(), r -> { });
            } catch (AgentUnreachableException | AgentTimeoutException | ApiProtocolException e) {
                throw new CommandFailure(e.getMessage());
            } catch (IOException e) {
                throw new CommandFailure("asking the agent at " + socket + " failed: " + e.getMessage());
            }
            if (answer instanceof ApiResponse.Failure f) throw new CommandFailure("the agent refused: " + f.message());
            List<EndpointInfo> endpoints = ((ApiResponse.Ok) answer).endpoints();
            output.print(System.out, endpoints, list -> {
                OutputOption.Table t = new OutputOption.Table("ENDPOINT", "CONTAINER", "IPS", "IDENTITY", "LABELS", "VETH", "STATE");
                for (EndpointInfo e : list) {
                    t.row(e.name(), e.containerId().length() > 12 ? e.containerId().substring(0, 12) : e.containerId(),
                            String.join(",", e.ips().stream().map(ip -> ip.replaceAll("/(32|128)$", "")).toList()), e.identity(),
                            String.join(",", e.labels().stream().filter(l -> !l.startsWith("k8s:io.cilium.k8s.namespace.labels.")).toList()),
                            e.veth() + "(" + e.vethIfindex() + ")", e.state().wire() + (e.stateReason() == null ? "" : ": " + e.stateReason()));
                }
                return t;
            });
        }
    }
}
