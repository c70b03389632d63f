package dev.ward.agent.datapath;

import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.Subsystem;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.agent.endpoints.EndpointsConfig;
import dev.ward.agent.endpoints.EndpointsSubsystem;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.agent.policy.PolicySubsystem;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.bpf.datapath.DatapathConfig;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A node's agent with the real datapath, policy and endpoints subsystems on the BPF datapath of a {@link PodNode},
 * on a directory store (the policies' and identities' store; no keyd: nothing here needs the node's SVID), served on
 * its real Unix socket.
 */
final class BpfAgent implements AutoCloseable {
    final NodeAgent agent;
    final Path socket;

    private BpfAgent(NodeAgent agent, Path socket) {
        this.agent = agent;
        this.socket = socket;
    }

    /** The agent on {@code node}'s pins, its store and state under {@code dir}, reconciling every {@code reconcileEvery}. */
    static BpfAgent start(PodNode node, Path dir, Duration reconcileEvery) {
        return start(node, dir, reconcileEvery, c -> c);
    }

    /** As {@link #start(PodNode, Path, Duration)}, with the datapath's configuration changed by {@code datapath}. */
    static BpfAgent start(PodNode node, Path dir, Duration reconcileEvery, UnaryOperator<DatapathConfig> datapath) {
        return start(node.netns(), node.pinRoot(), dir, reconcileEvery, datapath);
    }

    static BpfAgent start(String netns, Path pinRoot, Path dir, Duration reconcileEvery, UnaryOperator<DatapathConfig> datapath) {
        return start(netns, pinRoot, dir, reconcileEvery, datapath, List.of());
    }

    /** As {@link #start(PodNode, Path, Duration)}, with {@code more} subsystems started after the endpoints (flows, proxies). */
    static BpfAgent start(PodNode node, Path dir, List<Subsystem> more) {
        return start(node.netns(), node.pinRoot(), dir, Duration.ofHours(1), c -> c, more);
    }

    /** As {@link #start(PodNode, Path, Duration, UnaryOperator)}, with {@code more} subsystems started after the endpoints. */
    static BpfAgent start(PodNode node, Path dir, Duration reconcileEvery, UnaryOperator<DatapathConfig> datapath, List<Subsystem> more) {
        return start(node.netns(), node.pinRoot(), dir, reconcileEvery, datapath, more);
    }

    static BpfAgent start(String netns, Path pinRoot, Path dir, Duration reconcileEvery, UnaryOperator<DatapathConfig> datapath,
                          List<Subsystem> more) {
        return start(netns, pinRoot, dir, reconcileEvery, datapath, more, Map.of());
    }

    /** As {@link #start(PodNode, Path, List)}, with proxy ports reserved from the first write (as the agent reserves its DNS port). */
    static BpfAgent start(PodNode node, Path dir, List<Subsystem> more, Map<String, Integer> reservedPorts) {
        return start(node.netns(), node.pinRoot(), dir, Duration.ofHours(1), c -> c, more, reservedPorts);
    }

    static BpfAgent start(String netns, Path pinRoot, Path dir, Duration reconcileEvery, UnaryOperator<DatapathConfig> datapath,
                          List<Subsystem> more, Map<String, Integer> reservedPorts) {
        Path state = dir.resolve("state");
        Path socket = state.resolve("agent.sock");
        EndpointsConfig endpoints = new EndpointsConfig(PolicyConfig.DEFAULT, socket, netns, DatapathKind.BPF,
                new EndpointManager.Settings(Duration.ofSeconds(2), Duration.ofSeconds(20)), pinRoot, reconcileEvery);
        NodeAgentConfig config = new NodeAgentConfig(new StoreLocation.Directory(store(dir)), state,
                new IdentityConfig(AgentSettings.defaults("n1", state), null), Optional.empty(), Optional.of(endpoints), Clock.systemUTC());
        ProxyPortTable proxies = new ProxyPortTable();
        reservedPorts.forEach(proxies::reserve);
        DatapathConfig dp = datapath.apply(BpfPolicyDatapath.config(pinRoot, netns, proxies));
        List<Subsystem> subsystems = new ArrayList<>(List.of(new DatapathSubsystem(c -> {
            KernelDatapath kernel = KernelDatapath.open(dp);
            c.provide(KernelDatapath.class, kernel);
            c.provide(ProxyPortTable.class, proxies);
            return BpfPolicyDatapath.open(kernel, c.require(PrometheusRegistry.class));
        }), new PolicySubsystem(endpoints.policy()), new EndpointsSubsystem(endpoints)));
        subsystems.addAll(more);
        NodeAgent agent = NodeAgent.start(config, new ClusterStore.KeyValue(new DirectoryKv(store(dir).resolve("kv")), new StoreLocation.Directory(store(dir))),
                subsystems);
        return new BpfAgent(agent, socket);
    }

    /** The socket an agent started on {@code dir} serves. */
    static Path socket(Path dir) {
        return dir.resolve("state").resolve("agent.sock");
    }

    static Path store(Path dir) {
        return dir.resolve("store");
    }

    static DirectoryKv kv(Path dir) {
        return new DirectoryKv(store(dir).resolve("kv"));
    }

    ApiResponse ask(ApiRequest r) throws Exception {
        return new AgentClient(socket, Duration.ofSeconds(30)).call(r, x -> { });
    }

    PolicyEngineLoop loop() {
        return agent.service(PolicyEngineLoop.class);
    }

    KernelDatapath kernel() {
        return agent.service(KernelDatapath.class);
    }

    /** The value of metric {@code name} (a counter's total or a gauge) at the data point with {@code labels} (name, value...). */
    double metric(String name, String... labels) {
        for (MetricSnapshot m : agent.service(PrometheusRegistry.class).scrape()) {
            if (!m.getMetadata().getName().equals(name)) continue;
            for (DataPointSnapshot p : m.getDataPoints()) {
                boolean match = true;
                for (int i = 0; i < labels.length; i += 2) match &= labels[i + 1].equals(p.getLabels().get(labels[i]));
                if (!match) continue;
                if (p instanceof CounterSnapshot.CounterDataPointSnapshot c) return c.getValue();
                if (p instanceof GaugeSnapshot.GaugeDataPointSnapshot g) return g.getValue();
            }
            return 0;
        }
        throw new AssertionError("no metric " + name + " in the agent's registry");
    }

    @Override
    public void close() {
        agent.close();
    }
}
