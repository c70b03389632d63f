package dev.ward.agent.flows;

import dev.ward.agent.AgentContext;
import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.Subsystem;
import dev.ward.agent.VisibilityConfig;
import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.datapath.DatapathSubsystem;
import dev.ward.agent.datapath.InMemoryDatapath;
import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.agent.endpoints.EndpointsConfig;
import dev.ward.agent.endpoints.EndpointsSubsystem;
import dev.ward.agent.flows.log.FlowLogConfig;
import dev.ward.agent.flows.sources.DatapathFlowsSubsystem;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.agent.metrics.DatapathMetricsSubsystem;
import dev.ward.agent.metrics.MetricsAddress;
import dev.ward.agent.metrics.MetricsEndpoint;
import dev.ward.agent.metrics.MetricsSubsystem;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.agent.policy.PolicySubsystem;
import dev.ward.bpf.datapath.Datapath;
import dev.ward.policy.identity.Identity;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A node agent with what flow visibility needs, in the production order (metrics, datapath, policy,
 * datapath-metrics, endpoints, flows, datapath-flows) on a directory store: its API socket, its metrics on a free
 * port, and, when given one, a BPF {@link Datapath} opened by the test, offered as the datapath subsystem offers
 * it. The agent's own policy datapath is the in-memory one: the test programs the BPF maps itself.
 */
public final class FlowsTestAgent implements AutoCloseable {
    private final NodeAgent agent;
    private final Path socket;

    private FlowsTestAgent(NodeAgent agent, Path socket) {
        this.agent = agent;
        this.socket = socket;
    }

    public static FlowsTestAgent start(Path dir, String node, Datapath bpf, Optional<FlowLogConfig> log) {
        Path socket = dir.resolve("agent.sock");
        Path state = dir.resolve("state");
        Path store = dir.resolve("store");
        EndpointsConfig endpoints = new EndpointsConfig(PolicyConfig.DEFAULT, socket, null, DatapathKind.NONE, EndpointManager.Settings.DEFAULT);
        VisibilityConfig visibility = new VisibilityConfig(Optional.of(new MetricsAddress("127.0.0.1", 0)),
                new FlowsConfig(FlowHub.Settings.DEFAULT, log));
        NodeAgentConfig config = new NodeAgentConfig(new StoreLocation.Directory(store), state,
                new IdentityConfig(AgentSettings.defaults(node, state), null), Optional.empty(), Optional.of(endpoints), Clock.systemUTC(), visibility);
        List<Subsystem> subsystems = new ArrayList<>();
        subsystems.add(new MetricsSubsystem(visibility.metrics()));
        subsystems.add(new DatapathSubsystem(c -> new InMemoryDatapath()));
        if (bpf != null) subsystems.add(offering(bpf));
        subsystems.add(new PolicySubsystem(endpoints.policy()));
        subsystems.add(new DatapathMetricsSubsystem());
        subsystems.add(new EndpointsSubsystem(endpoints));
        subsystems.add(new FlowsSubsystem(visibility.flows()));
        subsystems.add(new DatapathFlowsSubsystem());
        NodeAgent agent = NodeAgent.start(config, new ClusterStore.KeyValue(new DirectoryKv(store.resolve("kv")), new StoreLocation.Directory(store)),
                subsystems);
        return new FlowsTestAgent(agent, socket);
    }

    private static Subsystem offering(Datapath bpf) {
        return new Subsystem() {
            @Override
            public String name() {
                return "bpf-datapath";
            }

            @Override
            public void start(AgentContext context) {
                context.provide(KernelDatapath.class, KernelDatapath.around(bpf));
            }

            @Override
            public void stop() {
                // the test closes its datapath
            }
        };
    }

    public Path socket() {
        return socket;
    }

    public NodeAgent agent() {
        return agent;
    }

    public FlowHub hub() {
        return agent.service(FlowHub.class);
    }

    public PolicyEngineLoop loop() {
        return agent.service(PolicyEngineLoop.class);
    }

    public PrometheusRegistry registry() {
        return agent.service(PrometheusRegistry.class);
    }

    /** Gives the agent's policy engine an identity, as its identity feed would. */
    public void identity(Identity id) {
        loop().change("test identity " + id.id(), e -> e.upsertIdentity(id)).join();
    }

    /** What Prometheus gets from the agent's endpoint. */
    public String scrape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(agent.service(MetricsEndpoint.class).url()))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new AssertionError("metrics answered " + r.statusCode() + ": " + r.body());
        return r.body();
    }

    @Override
    public void close() {
        agent.close();
    }
}
