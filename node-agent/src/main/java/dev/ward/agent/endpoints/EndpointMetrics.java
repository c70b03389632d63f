package dev.ward.agent.endpoints;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Pods whose network setup failed, in the agent's registry: every CNI ADD refused, by the agent or by the plugin
 * before it could register the pod, counted under the API's error code ({@code netns-not-found}, {@code
 * veth-not-found}, {@code datapath-failed}, {@code identity-unavailable}, ...).
 */
final class EndpointMetrics {
    private final Counter addFailures;

    EndpointMetrics(PrometheusRegistry registry) {
        addFailures = Counter.builder().name("ward_endpoint_add_failures")
                .help("CNI ADDs refused (the pod was not started: its traffic stays dropped), by reason").labelNames("reason")
                .register(registry);
    }

    void addFailed(String reason) {
        addFailures.labelValues(reason).inc();
    }
}
