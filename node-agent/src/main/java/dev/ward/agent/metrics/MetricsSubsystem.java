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
 * The agent's one Prometheus registry, offered to every subsystem after it (the datapath's and flows' metrics, the
 * DNS and L7 proxies' {@code DnsProxyMetrics} and {@code L7ProxyMetrics}), and, with an address, the Prometheus
 * client's HTTP exporter serving it on {@code /metrics}. Runs first, so everything can register; stops last.
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
        PrometheusRegistry registry = new PrometheusRegistry();
        context.provide(PrometheusRegistry.class, registry);
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
