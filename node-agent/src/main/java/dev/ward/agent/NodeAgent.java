package dev.ward.agent;

import dev.ward.agent.datapath.DatapathSubsystem;
import dev.ward.agent.datapath.status.DatapathReportSubsystem;
import dev.ward.agent.datapath.status.DatapathReporter;
import dev.ward.agent.dns.DnsProxySubsystem;
import dev.ward.agent.encryption.EncryptionSubsystem;
import dev.ward.agent.endpoints.EndpointsSubsystem;
import dev.ward.agent.flows.FlowsSubsystem;
import dev.ward.agent.flows.sources.DatapathFlowsSubsystem;
import dev.ward.agent.metrics.DatapathMetricsSubsystem;
import dev.ward.agent.metrics.MetricsSubsystem;
import dev.ward.agent.identity.IdentitySubsystem;
import dev.ward.agent.l7.L7ProxySubsystem;
import dev.ward.agent.policy.PolicySubsystem;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The node agent: the one place that decides which subsystems run and in what order, opens the cluster's store
 * once for all of them, starts them, and stops them in reverse.
 *
 * <p>Adding a subsystem (policy, the BPF datapath, the DNS or L7 proxy, a metrics endpoint): implement
 * {@link Subsystem}, take what it needs from the {@link AgentContext} ({@code require(NodeIdentityAgent.class)},
 * {@code store()}), offer what others need with {@code provide}, give {@link NodeAgentConfig} its configuration, and
 * add it to {@link #subsystemsFor} after the subsystems whose services it uses. Nothing else changes.
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

    private final AgentContext context;
    private final List<Subsystem> running;

    private NodeAgent(AgentContext context, List<Subsystem> running) {
        this.context = context;
        this.running = running;
    }

    /** The subsystems {@code config} asks for, in start order. */
    static List<Subsystem> subsystemsFor(NodeAgentConfig config) {
        List<Subsystem> subsystems = new ArrayList<>();
        subsystems.add(new MetricsSubsystem(config.visibility().metrics()));
        subsystems.add(new IdentitySubsystem(config.identity()));
        config.encryption().ifPresent(e -> subsystems.add(new EncryptionSubsystem(e)));
        config.endpoints().ifPresent(e -> {
            // The DNS proxy's port is fixed: reserved from the first reconcile, so while the agent (re)starts its DNS
            // redirect rows point there, where the datapath falls back to the standalone proxy, not at "no proxy".
            java.util.Map<String, Integer> reserved = config.dnsProxy().enabled()
                    ? java.util.Map.of("dns", config.dnsProxy().port()) : java.util.Map.of();
            subsystems.add(new DatapathSubsystem(context -> e.datapath().open(context, e.netns(), e.bpfPinRoot(), reserved)));
            subsystems.add(new PolicySubsystem(e.policy()));
            subsystems.add(new DatapathMetricsSubsystem());
            subsystems.add(new EndpointsSubsystem(e));
            subsystems.add(new FlowsSubsystem(config.visibility().flows()));
            subsystems.add(new DatapathFlowsSubsystem());
            subsystems.add(new DatapathReportSubsystem(DatapathReporter.CHECK_EVERY));
            boolean bpf = e.datapath() == dev.ward.agent.datapath.DatapathKind.BPF;
            if (bpf && config.l7Proxy().enabled()) subsystems.add(new L7ProxySubsystem(config.l7Proxy(), e.netns()));
            if (bpf && config.dnsProxy().enabled()) subsystems.add(new DnsProxySubsystem(config.dnsProxy(), e.netns()));
        });
        return subsystems;
    }

    /**
     * Starts every subsystem and returns once each has done its first round. If one fails, those already running are
     * stopped and the store is closed before the failure is thrown.
     */
    public static NodeAgent start(NodeAgentConfig config) {
        return start(config, ClusterStore.open(config.store(), StoreAccess.EXISTING), subsystemsFor(config));
    }

    /**
     * Starts {@code subsystems} on an open store, which the agent then owns (closes on {@link #close()}): for tests
     * and embedders that run a part of the agent, or one with another datapath.
     */
    public static NodeAgent start(NodeAgentConfig config, ClusterStore store, List<Subsystem> subsystems) {
        AgentContext context = new AgentContext(config.node(), config.stateDir(), store, config.clock());
        // One registry for every subsystem's metrics, which the agent's metrics endpoint exposes.
        context.provide(PrometheusRegistry.class, new PrometheusRegistry());
        List<Subsystem> started = new ArrayList<>();
        NodeAgent agent = new NodeAgent(context, started);
        for (Subsystem s : subsystems) {
            try {
                s.start(context);
            } catch (Exception e) {
                agent.close();
                throw new AgentStartException(s.name(), e);
            }
            started.add(s);
            LOG.info("node {}: {} started", config.node(), s.name());
        }
        return agent;
    }

    /** A service a running subsystem offers (the node's identity, the encryption agent). */
    public <T> T service(Class<T> type) {
        return context.require(type);
    }

    /** The running subsystems' names, in start order. */
    public List<String> subsystems() {
        return running.stream().map(Subsystem::name).toList();
    }

    @Override
    public void close() {
        for (Subsystem s : running.reversed()) {
            try {
                s.stop();
            } catch (RuntimeException e) {
                LOG.warn("node {}: stopping {} failed: {}", context.node(), s.name(), e.toString());
            }
        }
        running.clear();
        context.store().close();
    }
}
