package dev.ward.cli.flows;

import dev.ward.agent.VisibilityConfig;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.FlowsConfig;
import dev.ward.agent.flows.log.FlowLogConfig;
import dev.ward.agent.metrics.MetricsAddress;
import dev.ward.cli.CommandFailure;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** The metrics and flow log flags of {@code ward agent}. */
public final class VisibilityOptions {
    @Option(names = "--metrics-address", paramLabel = "HOST:PORT", description = {
            "Serve Prometheus metrics on http://HOST:PORT/metrics (e.g. 127.0.0.1:9962, [::]:9962): the datapath's",
            "forwarded/dropped counters, map fill, policy revision, update latency, flows, the proxies' metrics."})
    String metricsAddress;

    @Option(names = "--flow-log", paramLabel = "FILE", description = {
            "Write every flow event (L3/L4, DNS, L7) to FILE as JSON lines, rotated by size (needs --api-socket)."})
    Path flowLog;

    @Option(names = "--flow-log-max-size", defaultValue = "10M", converter = ByteSizes.class, paramLabel = "SIZE",
            description = "Rotate the flow log when it reaches SIZE (e.g. 64K, 10M; default: ${DEFAULT-VALUE}).")
    long flowLogMaxSize;

    @Option(names = "--flow-log-max-files", defaultValue = "5", paramLabel = "N",
            description = "Keep at most N flow log files, the one being written included (default: ${DEFAULT-VALUE}).")
    int flowLogMaxFiles;

    /** Checks the flags; {@code endpoints} says whether the agent manages pods (whose flows the log would hold). */
    public VisibilityConfig config(boolean endpoints) {
        Optional<MetricsAddress> metrics;
        Optional<FlowLogConfig> log = Optional.empty();
        try {
            metrics = metricsAddress == null ? Optional.empty() : Optional.of(MetricsAddress.parse(metricsAddress));
            if (flowLog != null) {
                if (!endpoints) throw new CommandFailure("--flow-log needs --api-socket: the flows it logs are the node's pods'");
                log = Optional.of(new FlowLogConfig(flowLog, flowLogMaxSize, flowLogMaxFiles));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("invalid metrics or flow log options: " + e.getMessage());
        }
        return new VisibilityConfig(metrics, new FlowsConfig(FlowHub.Settings.DEFAULT, log));
    }
}
