package dev.ward.cli.endpoints;

import dev.ward.agent.l7.L7ProxyConfig;
import dev.ward.cli.CommandFailure;
import picocli.CommandLine.Option;

/** The L7 proxy flags of {@code ward agent}: the proxy runs with --api-socket on the BPF datapath. */
public final class L7ProxyOptions {
    @Option(names = "--l7-proxy", arity = "1", defaultValue = "true", paramLabel = "true|false", description = {
            "Run the L7 proxy (HTTP, Kafka, Cassandra, memcached, l7proto parsers) with --datapath bpf (default: ${DEFAULT-VALUE}).",
            "Without it, flows whose policy has L7 rules are dropped, never let through unfiltered."})
    boolean enabled;

    @Option(names = "--l7-proxy-ingress-port", defaultValue = "0", paramLabel = "PORT", description = {
            "The node-local port flows redirected by pods' ingress L7 rules arrive on (0: a free one; default: ${DEFAULT-VALUE})."})
    int ingressPort;

    @Option(names = "--l7-proxy-egress-port", defaultValue = "0", paramLabel = "PORT", description = {
            "The node-local port flows redirected by pods' egress L7 rules arrive on (0: a free one; default: ${DEFAULT-VALUE})."})
    int egressPort;

    @Option(names = "--l7-proxy-threads", defaultValue = "2", paramLabel = "N",
            description = "The L7 proxy's event-loop threads (default: ${DEFAULT-VALUE}).")
    int threads;

    public L7ProxyConfig config() {
        try {
            return new L7ProxyConfig(enabled, ingressPort, egressPort, threads);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("invalid L7 proxy options: " + e.getMessage());
        }
    }
}
