package dev.ward.agent.metrics;

/** The agent's running Prometheus endpoint: {@code http://HOST:PORT/metrics}, with the port it bound. */
public record MetricsEndpoint(MetricsAddress address) {
    public String url() {
        return "http://" + address + "/metrics";
    }
}
