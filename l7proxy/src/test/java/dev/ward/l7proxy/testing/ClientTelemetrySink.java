package dev.ward.l7proxy.testing;

import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.server.telemetry.ClientTelemetryExporter;
import org.apache.kafka.server.telemetry.ClientTelemetryExporterProvider;

import java.util.List;
import java.util.Map;

/**
 * A broker metrics reporter (for {@code metric.reporters}) that takes client telemetry, as a broker's telemetry
 * plugin does: with one, the broker offers GetTelemetrySubscriptions and PushTelemetry in its ApiVersions, and
 * default clients (KIP-714, {@code enable.metrics.push=true}) ask for a subscription. It discards what it gets.
 */
public final class ClientTelemetrySink implements MetricsReporter, ClientTelemetryExporterProvider {
    @Override
    public void configure(Map<String, ?> configs) {}

    @Override
    public void init(List<KafkaMetric> metrics) {}

    @Override
    public void metricChange(KafkaMetric metric) {}

    @Override
    public void metricRemoval(KafkaMetric metric) {}

    @Override
    public void close() {}

    @Override
    public ClientTelemetryExporter clientTelemetryExporter() {
        return (context, payload) -> {};
    }
}
