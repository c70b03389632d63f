package dev.ward.agent.metrics;

import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.MapFill;
import dev.ward.bpf.events.DatapathCounters;
import dev.ward.bpf.events.FlowReason;
import dev.ward.policy.model.Direction;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The BPF datapath's metrics, read from the kernel at scrape time: packets and bytes forwarded and dropped by
 * direction and reason (its per-CPU counters, summed), and each map's fill. The counters are read once per scrape;
 * the fill levels are taken on the thread that drives the datapath ({@code fill}, which may wait), and a scrape that
 * cannot have them in time shows the last ones.
 */
public final class DatapathMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(DatapathMetrics.class);
    /** One scrape reads each counter once, though four metrics show them. */
    private static final long COUNTERS_VALID_NANOS = 500_000_000L;

    private final DatapathCounters counters;
    private final Supplier<CompletableFuture<List<MapFill>>> fill;
    private final Duration fillWait;
    private Map<Direction, Map<FlowReason, DatapathCounters.Count>> snapshot;
    private long snapshotAt;
    private List<MapFill> lastFill = List.of();

    /** @param fill the datapath's {@link Datapath#fill()}, taken on its driving thread */
    DatapathMetrics(DatapathCounters counters, Supplier<CompletableFuture<List<MapFill>>> fill, Duration fillWait) {
        this.counters = counters;
        this.fill = fill;
        this.fillWait = fillWait;
    }

    /** @param fill the datapath's {@link Datapath#fill()}, taken on its driving thread */
    public static DatapathMetrics register(PrometheusRegistry registry, DatapathCounters counters, Supplier<CompletableFuture<List<MapFill>>> fill) {
        DatapathMetrics m = new DatapathMetrics(counters, fill, Duration.ofSeconds(2));
        CounterWithCallback.builder().name("ward_datapath_forwarded_packets")
                .help("Packets the BPF datapath passed (to the pod, the network or a proxy), by the endpoint's direction")
                .labelNames("direction").callback(cb -> m.forwarded(cb, false)).register(registry);
        CounterWithCallback.builder().name("ward_datapath_forwarded_bytes")
                .help("Bytes the BPF datapath passed, by the endpoint's direction")
                .labelNames("direction").callback(cb -> m.forwarded(cb, true)).register(registry);
        CounterWithCallback.builder().name("ward_datapath_dropped_packets")
                .help("Packets the BPF datapath dropped, by the endpoint's direction and the reason (policy_deny, "
                        + "policy_default_deny, endpoint_locked, unknown_endpoint, malformed, proxy_unavailable, fragment_unknown)")
                .labelNames("direction", "reason").callback(cb -> m.dropped(cb, false)).register(registry);
        CounterWithCallback.builder().name("ward_datapath_dropped_bytes")
                .help("Bytes the BPF datapath dropped, by direction and reason")
                .labelNames("direction", "reason").callback(cb -> m.dropped(cb, true)).register(registry);
        GaugeWithCallback.builder().name("ward_datapath_map_entries")
                .help("Entries in each BPF map (ward_ipcache, ward_endpoints, and each endpoint's policy map ward_pol_ID)")
                .labelNames("map").callback(cb -> m.fill().forEach(f -> cb.call(f.entries(), f.map()))).register(registry);
        GaugeWithCallback.builder().name("ward_datapath_map_capacity")
                .help("The most entries each BPF map can hold; entries over capacity is the map's pressure")
                .labelNames("map").callback(cb -> m.fill().forEach(f -> cb.call(f.capacity(), f.map()))).register(registry);
        return m;
    }

    private synchronized Map<Direction, Map<FlowReason, DatapathCounters.Count>> counters() {
        long now = System.nanoTime();
        if (snapshot == null || now - snapshotAt > COUNTERS_VALID_NANOS) {
            Map<Direction, Map<FlowReason, DatapathCounters.Count>> s = new EnumMap<>(Direction.class);
            for (Direction d : Direction.values()) s.put(d, counters.all(d));
            snapshot = s;
            snapshotAt = now;
        }
        return snapshot;
    }

    private void forwarded(CounterWithCallback.Callback cb, boolean bytes) {
        counters().forEach((d, byReason) -> {
            DatapathCounters.Count c = byReason.get(FlowReason.FORWARDED);
            cb.call(bytes ? c.bytes() : c.packets(), d.lower());
        });
    }

    private void dropped(CounterWithCallback.Callback cb, boolean bytes) {
        counters().forEach((d, byReason) -> byReason.forEach((r, c) -> {
            if (r != FlowReason.FORWARDED) cb.call(bytes ? c.bytes() : c.packets(), d.lower(), r.name().toLowerCase(Locale.ROOT));
        }));
    }

    synchronized List<MapFill> fill() {
        try {
            lastFill = fill.get().get(fillWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.debug("the datapath's map fill levels did not come within {} ms; showing the last ones", fillWait.toMillis());
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("reading the datapath's map fill levels failed: {}", e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return lastFill;
    }
}
