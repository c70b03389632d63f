package dev.ward.agent.metrics;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.bpf.datapath.Datapath;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Registers the policy revision and datapath update latency (any datapath), and, when the agent runs the BPF
 * datapath (the {@link KernelDatapath} service), its counters and map fill levels. The fill levels are read on the
 * datapath's own thread, the one every user of its maps goes through.
 */
public final class DatapathMetricsSubsystem implements Subsystem {
    @Override
    public String name() {
        return "datapath-metrics";
    }

    @Override
    public void start(AgentContext context) {
        PrometheusRegistry registry = context.require(PrometheusRegistry.class);
        PolicyEngineLoop loop = context.require(PolicyEngineLoop.class);
        PolicyDatapathMetrics.register(registry, loop);
        context.find(KernelDatapath.class).ifPresent(k -> DatapathMetrics.register(registry, k.counters(), () -> k.call(Datapath::fill)));
    }

    @Override
    public void stop() {
        // The callbacks live as long as the agent's registry; nothing of their own to release.
    }
}
