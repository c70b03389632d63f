package dev.ward.agent;

import dev.ward.agent.flows.FlowsConfig;
import dev.ward.agent.metrics.MetricsAddress;

import java.util.Optional;

/**
 * What the node shows of itself: the Prometheus endpoint ({@code --metrics-address}; the registry exists without
 * it, for the subsystems' metrics) and flow visibility (the hub, the flow log), which runs with the endpoints.
 */
public record VisibilityConfig(Optional<MetricsAddress> metrics, FlowsConfig flows) {
    public static final VisibilityConfig DEFAULT = new VisibilityConfig(Optional.empty(), FlowsConfig.DEFAULT);

    public VisibilityConfig {
        if (metrics == null) metrics = Optional.empty();
        if (flows == null) flows = FlowsConfig.DEFAULT;
    }
}
