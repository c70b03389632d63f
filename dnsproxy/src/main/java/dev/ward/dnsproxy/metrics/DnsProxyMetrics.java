package dev.ward.dnsproxy.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.function.IntSupplier;

/**
 * The proxy's Prometheus metrics, registered into the registry the process exposes (the agent's, or the standalone
 * proxy's own). Names and labels are the operators' interface; the README lists them.
 */
public final class DnsProxyMetrics {
    /** 50 us .. 2.5 s: a cached upstream answers in well under a millisecond, a slow one in seconds. */
    private static final double[] LATENCY_BOUNDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
            0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

    private final Counter queries;
    private final Counter rejected;
    private final Counter rateLimited;
    private final Counter upstreamFailures;
    private final Counter upstreamDiscarded;
    private final Histogram upstreamLatency;
    private final Histogram datapathLatency;
    private final Counter datapathFailures;
    private final Histogram releaseAfterDatapath;
    private final Counter persistFailures;

    public DnsProxyMetrics(PrometheusRegistry registry, IntSupplier cacheEntries) {
        queries = Counter.builder().name("ward_dns_queries").help("DNS queries answered, by policy verdict and the rcode the pod got")
                .labelNames("verdict", "rcode").register(registry);
        rejected = Counter.builder().name("ward_dns_rejected_messages")
                .help("Messages from pods not served (dropped, or answered with an error before any rule), by reason")
                .labelNames("reason").register(registry);
        rateLimited = Counter.builder().name("ward_dns_rate_limited")
                .help("Queries dropped because their source exceeded its rate limit").register(registry);
        upstreamFailures = Counter.builder().name("ward_dns_upstream_failures")
                .help("Forwarded queries answered SERVFAIL because the upstream failed, by reason").labelNames("reason").register(registry);
        upstreamDiscarded = Counter.builder().name("ward_dns_upstream_discarded")
                .help("Messages from upstream servers that answered no pending query (garbage, unknown id, wrong question)")
                .labelNames("reason").register(registry);
        upstreamLatency = Histogram.builder().name("ward_dns_upstream_latency_seconds").unit(Unit.SECONDS)
                .help("Time from forwarding a query to the upstream's accepted answer").classicOnly()
                .classicUpperBounds(LATENCY_BOUNDS).register(registry);
        datapathLatency = Histogram.builder().name("ward_dns_datapath_update_seconds").unit(Unit.SECONDS)
                .help("Time from an allowed answer to the datapath confirming its addresses").classicOnly()
                .classicUpperBounds(LATENCY_BOUNDS).register(registry);
        datapathFailures = Counter.builder().name("ward_dns_datapath_failures")
                .help("Answers withheld (SERVFAIL) because the datapath did not confirm their addresses, by reason")
                .labelNames("reason").register(registry);
        releaseAfterDatapath = Histogram.builder().name("ward_dns_release_after_datapath_seconds").unit(Unit.SECONDS)
                .help("Time from the datapath confirming an answer's addresses to the answer being handed to the socket")
                .classicOnly().classicUpperBounds(LATENCY_BOUNDS).register(registry);
        persistFailures = Counter.builder().name("ward_dns_persist_failures")
                .help("Learned names that could not be written to the state journal").register(registry);
        GaugeWithCallback.builder().name("ward_dns_fqdn_cache_entries")
                .help("Learned (endpoint, name, address) entries held").callback(cb -> cb.call(cacheEntries.getAsInt()))
                .register(registry);
    }

    public void answered(String verdict, String rcode) {
        queries.labelValues(verdict, rcode).inc();
    }

    public void rejected(String reason) {
        rejected.labelValues(reason).inc();
    }

    public void rateLimited() {
        rateLimited.inc();
    }

    public void upstreamFailed(String reason) {
        upstreamFailures.labelValues(reason).inc();
    }

    public void upstreamDiscarded(String reason) {
        upstreamDiscarded.labelValues(reason).inc();
    }

    public void upstreamLatency(long nanos) {
        upstreamLatency.observe(nanos / 1e9);
    }

    public void datapathLatency(long nanos) {
        datapathLatency.observe(nanos / 1e9);
    }

    public void datapathFailed(String reason) {
        datapathFailures.labelValues(reason).inc();
    }

    public void releasedAfterDatapath(long nanos) {
        releaseAfterDatapath.observe(nanos / 1e9);
    }

    public void persistFailed() {
        persistFailures.inc();
    }
}
