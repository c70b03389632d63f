package dev.ward.agent.metrics;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * With an address, the Prometheus client's HTTP exporter serving the agent's one registry (which the agent offers
 * every subsystem: the datapath's and flows' metrics, the DNS and L7 proxies' {@code DnsProxyMetrics} and
 * {@code L7ProxyMetrics}) on {@code /metrics}. Runs first; stops last.
 */
public final class MetricsSubsystem implements Subsystem {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsSubsystem.class);

    private final Optional<MetricsAddress> address;
    private HTTPServer server;

    public MetricsSubsystem(Optional<MetricsAddress> address) {
        this.address = address;
    }

    @Override
    public String name() {
        return "metrics";
    }

    @Override
    public void start(AgentContext context) throws IOException {
        PrometheusRegistry registry = context.require(PrometheusRegistry.class);
        if (address.isEmpty()) return;
        MetricsAddress a = address.get();
        try {
            server = HTTPServer.builder().hostname(a.host()).port(a.port()).registry(registry).buildAndStart();
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + a + ": " + e.getMessage(), e);
        }
        MetricsEndpoint endpoint = new MetricsEndpoint(new MetricsAddress(a.host(), server.getPort()));
        context.provide(MetricsEndpoint.class, endpoint);
        LOG.info("node {}: metrics on {}", context.node(), endpoint.url());
    }

    @Override
    public void stop() {
        if (server != null) server.close();
    }
}
