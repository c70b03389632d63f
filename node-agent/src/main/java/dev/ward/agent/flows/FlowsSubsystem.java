package dev.ward.agent.flows;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.endpoints.ApiRoutes;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.agent.flows.log.FlowLog;
import dev.ward.agent.metrics.FlowMetrics;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.agentapi.ApiRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.function.Function;

/**
 * The node's flow visibility: the {@link FlowHub} every source publishes to (offered to the subsystems after this
 * one: the datapath's reader, the DNS and L7 proxies through {@code DnsFlows} and {@code L7Flows}), the flow log,
 * {@code flow-follow} on the agent's API, and the flow metrics. Labels come from the policy engine; local endpoint
 * names, for sources that know only addresses, from the endpoint registry when it runs.
 */
public final class FlowsSubsystem implements Subsystem {
    private static final Logger LOG = LoggerFactory.getLogger(FlowsSubsystem.class);

    private final FlowsConfig config;
    private FlowHub hub;
    private FlowLog log;
    private FlowFollowApi follow;

    public FlowsSubsystem(FlowsConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "flows";
    }

    @Override
    public void start(AgentContext context) throws Exception {
        PolicyEngineLoop loop = context.require(PolicyEngineLoop.class);
        Function<InetAddress, String> local = context.find(EndpointManager.class)
                .<Function<InetAddress, String>>map(m -> new LocalEndpointNames(m::list, Duration.ofSeconds(1), Duration.ofSeconds(10), System::nanoTime))
                .orElse(a -> null);
        hub = new FlowHub(new FlowCompletion(IdentityLabels.of(loop), local), config.hub());
        try {
            if (config.log().isPresent()) {
                log = FlowLog.start(config.log().get(), hub);
                LOG.info("node {}: flow log {} (rotated at {} bytes, {} files kept)", context.node(), config.log().get().path(),
                        config.log().get().maxBytes(), config.log().get().maxFiles());
            }
            follow = new FlowFollowApi(hub);
            context.find(ApiRoutes.class).ifPresent(r -> r.route(ApiRequest.FollowFlows.class, follow));
            context.find(PrometheusRegistry.class).ifPresent(r -> FlowMetrics.register(r, hub));
            context.provide(FlowHub.class, hub);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @Override
    public void stop() {
        // The hub first: it hands on what sources queued, then closes its readers; the log then writes what it holds.
        if (hub != null) hub.close();
        if (follow != null) {
            try {
                follow.awaitEnded(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (log != null) log.close();
    }
}
