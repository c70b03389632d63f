package dev.ward.agent.metrics;

import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.FlowType;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Flow visibility's metrics: flows seen by type, and flows lost by where they were lost. */
public final class FlowMetrics {
    private FlowMetrics() {}

    public static void register(PrometheusRegistry registry, FlowHub hub) {
        CounterWithCallback.builder().name("ward_flow_events")
                .help("Flow events the node's flow hub handed to its readers (flow log, monitors), by type (l3l4, dns, l7)")
                .labelNames("type")
                .callback(cb -> {
                    for (FlowType t : FlowType.values()) cb.call(hub.seen(t), t.wire());
                })
                .register(registry);
        CounterWithCallback.builder().name("ward_flow_events_lost")
                .help("Flow events lost, by stage: ringbuf (the kernel's ring buffer was full), undecodable, hub (the hub's "
                        + "queue was full), flowlog (the flow log's queue was full), flowlog_write (the disk refused), "
                        + "monitor (a wardctl monitor read too slowly)")
                .labelNames("stage")
                .callback(cb -> hub.losses().forEach((stage, n) -> cb.call(n, stage)))
                .register(registry);
    }
}
