package dev.ward.cli.identity;

import dev.ward.cli.Examples;
import dev.ward.agent.AgentStartException;
import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.encryption.agent.EncryptionAgent;
import dev.ward.agent.identity.NodeIdentityAgent;
import dev.ward.agent.metrics.MetricsEndpoint;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.encryption.EncryptionOptions;
import dev.ward.cli.endpoints.EndpointOptions;
import dev.ward.cli.dns.DnsProxyOptions;
import dev.ward.cli.endpoints.L7ProxyOptions;
import dev.ward.cli.flows.VisibilityOptions;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.cli.logging.LogOptions;
import dev.ward.store.StoreLocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ward agent}: parses the node agent's flags into a {@link NodeAgentConfig} and runs {@link NodeAgent} until
 * stopped. Which subsystems run, and how, is the agent's business, not the command line's.
 */
@Command(name = "agent", footerHeading = Examples.HEADING, footer = {
                "  # Kubernetes (the chart runs this): the pod CIDR comes from the Node object",
                "  ward agent --node \"$NODE_NAME\" --store k8s --underlay-ip 192.168.0.11 \\",
                "      --cluster-cidr 10.244.0.0/16 --log-format json",
                "  # without Kubernetes: a join token and the pod CIDR given here",
                "  ward agent --node worker-1 --store etcd://10.0.0.1:2379 --token-file /root/worker-1.token \\",
                "      --underlay-ip 192.168.0.11 --pod-cidr 10.244.1.0/24 --cluster-cidr 10.244.0.0/16"},
        description = {
        "Run the node agent: bootstrap this node's SVID into --state-dir and keep it renewed.",
        "With --underlay-ip, --pod-cidr and --cluster-cidr it also encrypts pod traffic between nodes (IPsec ESP).",
        "With --api-socket it manages the node's pods (registered by Ward's CNI plugin) and their policy."})
public final class AgentCommand implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);

    @Mixin StoreOptions store;
    @Mixin IdentityOptions identity;
    @Mixin EncryptionOptions encryption;
    @Mixin EndpointOptions endpoints;
    @Mixin LogOptions logging;
    @Mixin VisibilityOptions visibility;
    @Mixin L7ProxyOptions l7Proxy;
    @Mixin DnsProxyOptions dnsProxy;

    @Override
    public void run() {
        logging.apply();
        Clock clock = Clock.systemUTC();
        NodeAgentConfig config;
        try {
            if (encryption.netns() != null && !encryption.enabled() && !endpoints.enabled()) {
                throw new CommandFailure("--netns names the node's namespace for encryption and endpoints, which run only with --underlay-ip or --api-socket");
            }
            config = new NodeAgentConfig(store.location(), identity.stateDir(), identity.config(),
                    encryption.config(identity.node(), clock, store.location() instanceof StoreLocation.Kubernetes),
                    endpoints.config(encryption.netns()), clock, visibility.config(endpoints.enabled()), l7Proxy.config(), dnsProxy.config());
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
        LOG.info("node {} has SVID {} in its state directory", id.identity(), id.current());
        if (agent.subsystems().contains("encryption")) {
            LOG.info("node {} encrypts pod traffic at epoch {}", config.node(), agent.service(EncryptionAgent.class).currentEpoch());
        }
        if (agent.subsystems().contains("endpoints")) {
            LOG.info("node {} manages {} endpoints; its API is on {}", config.node(),
                    agent.service(EndpointManager.class).list().size(), config.endpoints().orElseThrow().apiSocket());
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
