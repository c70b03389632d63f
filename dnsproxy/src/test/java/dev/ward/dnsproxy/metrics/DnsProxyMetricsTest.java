package dev.ward.dnsproxy.metrics;

import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.dnsproxy.event.DnsEventJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exposition operators scrape (through the Prometheus client's own writer) and the event JSON. */
class DnsProxyMetricsTest {
    @Test
    void metricsAppearInTheTextFormatWithTheirLabels() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        DnsProxyMetrics m = new DnsProxyMetrics(registry, () -> 42);
        m.answered("allowed", "NOERROR");
        m.answered("refused", "REFUSED");
        m.upstreamLatency(400_000);
        m.datapathLatency(90_000);
        m.datapathFailed("timeout");
        m.rejected("malformed");
        m.releasedAfterDatapath(20_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("ward_dns_queries_total{rcode=\"NOERROR\",verdict=\"allowed\"} 1.0"), text);
        assertTrue(text.contains("ward_dns_queries_total{rcode=\"REFUSED\",verdict=\"refused\"} 1.0"), text);
        assertTrue(text.contains("ward_dns_upstream_latency_seconds_bucket{le=\"5.0E-4\"} 1"), text);
        assertTrue(text.contains("ward_dns_datapath_update_seconds_count 1"), text);
        assertTrue(text.contains("ward_dns_datapath_failures_total{reason=\"timeout\"} 1.0"), text);
        assertTrue(text.contains("ward_dns_rejected_messages_total{reason=\"malformed\"} 1.0"), text);
        assertTrue(text.contains("ward_dns_release_after_datapath_seconds_count 1"), text);
        assertTrue(text.contains("ward_dns_fqdn_cache_entries 42.0"), text);
    }

    @Test
    void anAnswerEventRendersAsOneJsonObject() throws Exception {
        DnsEvent e = new DnsEvent(DnsEvent.Kind.ANSWER, Instant.parse("2026-12-01T10:00:00Z"), "default/web", 300,
                InetAddress.getByName("10.244.1.5"), InetAddress.getByName("10.96.0.10"), 16777217, "udp",
                "api.example.com", "A", "allowed", "CiliumNetworkPolicy/default/dns spec.egress[0]", "matchPattern:*.example.com",
                "NOERROR", List.of(InetAddress.getByName("192.0.2.1")), List.of("edge.cdn.net"), 60, 812, null);
        JsonNode n = new ObjectMapper().readTree(DnsEventJson.toLine(e));
        assertEquals("dns", n.get("type").asText());
        assertEquals("answer", n.get("kind").asText());
        assertEquals("default/web", n.get("endpoint").asText());
        assertEquals(300, n.get("identity").asInt());
        assertEquals("api.example.com", n.get("name").asText());
        assertEquals("A", n.get("qtype").asText());
        assertEquals("NOERROR", n.get("rcode").asText());
        assertEquals("192.0.2.1", n.get("addresses").get(0).asText());
        assertEquals("allowed", n.get("verdict").asText());
        assertEquals("CiliumNetworkPolicy/default/dns spec.egress[0]", n.get("rule").asText());
        assertEquals(16777217, n.get("serverIdentity").asInt());
        assertEquals(812, n.get("latencyMicros").asInt());
    }
}
