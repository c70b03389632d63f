package dev.ward.agent.metrics;

import dev.ward.agent.policy.PolicyEngineLoop;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The node's policy revision and how long the datapath takes to hold each change the engine loop hands it, from
 * the call to the kernel confirming it (whatever the datapath: the BPF maps, or memory with {@code --datapath none}).
 */
public final class PolicyDatapathMetrics {
    /** 50 us .. 10 s: a map write takes microseconds, a reconcile of a large node seconds. */
    private static final double[] BOUNDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1, 2.5, 10};

    private PolicyDatapathMetrics() {}

    public static void register(PrometheusRegistry registry, PolicyEngineLoop loop) {
        GaugeWithCallback.builder().name("ward_policy_revision")
                .help("The node's policy revision: engine changes handed to the datapath since the agent started")
                .callback(cb -> cb.call(loop.revision())).register(registry);
        Histogram latency = Histogram.builder().name("ward_datapath_update_seconds").unit(Unit.SECONDS)
                .help("Time from the policy engine loop handing the datapath a change to the datapath holding it, by call "
                        + "(delta, endpoint, endpoint_removal, ipcache, reconcile)")
                .labelNames("call").classicOnly().classicUpperBounds(BOUNDS).register(registry);
        Counter failures = Counter.builder().name("ward_datapath_update_failures")
                .help("Changes the datapath failed to apply (the endpoint stays failed closed; the loop reconciles), by call")
                .labelNames("call").register(registry);
        loop.addCallListener((call, nanos, failure) -> {
            if (failure == null) latency.labelValues(call).observe(nanos / 1e9);
            else failures.labelValues(call).inc();
        });
    }
}
