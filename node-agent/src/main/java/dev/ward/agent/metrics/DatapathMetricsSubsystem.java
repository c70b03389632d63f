package dev.ward.agent.metrics;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.bpf.datapath.Datapath;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Registers the policy revision and datapath update latency (any datapath), and, when the agent runs the BPF
 * datapath (a {@link Datapath} service), its counters and map fill levels. The fill levels are read on the policy
 * engine loop's thread, the one that drives the datapath.
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
        context.find(Datapath.class).ifPresent(dp -> DatapathMetrics.register(registry, dp, () -> loop.call(dp::fill)));
    }

    @Override
    public void stop() {
        // The callbacks live as long as the agent's registry; nothing of their own to release.
    }
}
