package dev.ward.cli.identity;

import dev.ward.agent.AgentStartException;
import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.encryption.agent.EncryptionAgent;
import dev.ward.agent.identity.NodeIdentityAgent;
import dev.ward.agent.metrics.MetricsEndpoint;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.encryption.EncryptionOptions;
import dev.ward.cli.endpoints.EndpointOptions;
import dev.ward.cli.flows.VisibilityOptions;
import dev.ward.agent.endpoints.EndpointManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ward agent}: parses the node agent's flags into a {@link NodeAgentConfig} and runs {@link NodeAgent} until
 * stopped. Which subsystems run, and how, is the agent's business, not the command line's.
 */
@Command(name = "agent", description = {
        "Run the node agent: bootstrap this node's SVID into --state-dir and keep it renewed.",
        "With --underlay-ip, --pod-cidr and --cluster-cidr it also encrypts pod traffic between nodes (IPsec ESP).",
        "With --api-socket it manages the node's pods (registered by Ward's CNI plugin) and their policy."})
public final class AgentCommand implements Runnable {
    @Mixin StoreOptions store;
    @Mixin IdentityOptions identity;
    @Mixin EncryptionOptions encryption;
    @Mixin EndpointOptions endpoints;
    @Mixin VisibilityOptions visibility;

    @Override
    public void run() {
        Clock clock = Clock.systemUTC();
        NodeAgentConfig config;
        try {
            if (encryption.netns() != null && !encryption.enabled() && !endpoints.enabled()) {
                throw new CommandFailure("--netns names the node's namespace for encryption and endpoints, which run only with --underlay-ip or --api-socket");
            }
            config = new NodeAgentConfig(store.location(), identity.stateDir(), identity.config(),
                    encryption.config(identity.node(), clock), endpoints.config(encryption.netns()), clock,
                    visibility.config(endpoints.enabled()));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("invalid agent options: " + e.getMessage());
        }
        NodeAgent agent;
        try {
            agent = NodeAgent.start(config);
        } catch (AgentStartException e) {
            throw new CommandFailure(e.getMessage());
        }
        NodeIdentityAgent id = agent.service(NodeIdentityAgent.class);
        System.out.println("node " + id.identity() + " has SVID " + id.current() + " in its state directory");
        if (agent.subsystems().contains("encryption")) {
            System.out.println("node " + config.node() + " encrypts pod traffic at epoch " + agent.service(EncryptionAgent.class).currentEpoch());
        }
        if (agent.subsystems().contains("endpoints")) {
            System.out.println("node " + config.node() + " manages " + agent.service(EndpointManager.class).list().size()
                    + " endpoints; its API is on " + config.endpoints().orElseThrow().apiSocket());
        }
        if (config.visibility().metrics().isPresent()) {
            System.out.println("node " + config.node() + " serves metrics on " + agent.service(MetricsEndpoint.class).url());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }));
        KeydCommand.awaitQuietly(stopped);
    }
}
