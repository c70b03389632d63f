package dev.ward.agent.datapath;

import dev.ward.bpf.datapath.EndpointDatapathException;
import dev.ward.bpf.datapath.EndpointRecord;
import dev.ward.bpf.datapath.PolicyMapFullException;
import dev.ward.bpf.datapath.ProgramRefusedException;
import dev.ward.bpf.datapath.VethGoneException;
import dev.ward.policy.model.Direction;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The BPF datapath's health as Prometheus metrics in the agent's registry: every time an endpoint failed closed and
 * why, how many endpoints are failed closed now in each direction, refused programs, and what each reconcile found.
 * (Forwarded and dropped packets by reason, map fill levels and update latency belong to the flow visibility
 * metrics.) Names and labels are the operators' interface; the README lists them.
 */
public final class DatapathMetrics {
    /** Values of the {@code reason} label of {@code ward_datapath_endpoint_failures}. */
    static final String POLICY_MAP_FULL = "policy-map-full", PROGRAM_REFUSED = "program-refused", VETH_GONE = "veth-gone",
            KERNEL_REFUSED = "kernel-refused", IPCACHE_FULL = "ipcache-full", ERROR = "error";

    private final Counter failures;
    private final Counter reconciles;

    /**
     * @param endpoints the endpoints as the datapath last read them (read at scrape time: never touches the kernel)
     * @param refused   the directions whose program the verifier refused when the datapath opened
     */
    public DatapathMetrics(PrometheusRegistry registry, Supplier<List<EndpointRecord>> endpoints, Set<Direction> refused) {
        failures = Counter.builder().name("ward_datapath_endpoint_failures")
                .help("Times the datapath could not give an endpoint (or the ipcache) what the agent asked and failed it closed, by reason")
                .labelNames("reason").register(registry);
        reconciles = Counter.builder().name("ward_datapath_reconciles")
                .help("Full reads of the datapath's maps against the agent's state, by outcome (in-sync, repaired, failed)")
                .labelNames("outcome").register(registry);
        GaugeWithCallback.builder().name("ward_datapath_endpoints_failed_closed")
                .help("Endpoints whose traffic in a direction is dropped because the datapath failed them closed").labelNames("direction")
                .callback(cb -> {
                    for (Direction d : Direction.values()) cb.call(endpoints.get().stream().filter(r -> r.locked(d)).count(), d.lower());
                }).register(registry);
        GaugeWithCallback.builder().name("ward_datapath_program_refused")
                .help("1 when the verifier refused the direction's program and it drops everything").labelNames("direction")
                .callback(cb -> {
                    for (Direction d : Direction.values()) cb.call(refused.contains(d) ? 1 : 0, d.lower());
                }).register(registry);
    }

    /** Counts one failure by its kind and returns the reason label it was counted under. */
    public String failed(RuntimeException e) {
        String reason = reasonOf(e);
        failures.labelValues(reason).inc();
        return reason;
    }

    static String reasonOf(RuntimeException e) {
        return switch (e) {
            case PolicyMapFullException f -> POLICY_MAP_FULL;
            case ProgramRefusedException r -> PROGRAM_REFUSED;
            case VethGoneException v -> VETH_GONE;
            case EndpointDatapathException other -> KERNEL_REFUSED;
            case dev.ward.bpf.datapath.IpCacheFullException full -> IPCACHE_FULL;
            default -> ERROR;
        };
    }

    public void reconciled(String outcome) {
        reconciles.labelValues(outcome).inc();
    }
}
