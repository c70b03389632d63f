package dev.ward.cli.dns;

import dev.ward.agent.dns.DnsProxyConfig;
import dev.ward.cli.CommandFailure;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** The DNS proxy flags of {@code ward agent}: the proxy runs with --api-socket on the BPF datapath. */
public final class DnsProxyOptions {
    @Option(names = "--dns-proxy", arity = "1", defaultValue = "true", paramLabel = "true|false", description = {
            "Run the DNS proxy (DNS rules, toFQDNs) with --datapath bpf (default: ${DEFAULT-VALUE}).",
            "Without it, lookups whose policy has DNS rules are dropped, never let through unfiltered."})
    boolean enabled;

    @Option(names = "--dns-proxy-port", defaultValue = "10053", paramLabel = "PORT",
            description = "The node-local port pods' DNS traffic is redirected to (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--dns-proxy-standby-port", defaultValue = "10054", paramLabel = "PORT", description = {
            "The port of the standalone 'ward dnsproxy', which gets the DNS traffic while the agent's proxy is down",
            "(0: none; default: ${DEFAULT-VALUE})."})
    int standbyPort;

    @Option(names = "--dns-proxy-standby-state-dir", defaultValue = "/var/lib/ward/dnsproxy", paramLabel = "DIR", description = {
            "The standalone proxy's --state-dir: the agent restores the names it learned while the agent was down",
            "(default: ${DEFAULT-VALUE})."})
    Path standbyStateDir;

    @Option(names = "--dns-proxy-threads", defaultValue = "2", paramLabel = "N",
            description = "The DNS proxy's event-loop threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--dns-refuse-with", defaultValue = "REFUSED",
            description = "Answer to names no rule admits: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    DnsProxyCommand.Refusal refuseWith;

    @Option(names = "--dns-min-ttl", defaultValue = "60s", converter = ProxyDurations.class, description =
            "Shortest time a learned address stays allowed, whatever the answer's TTL (default: ${DEFAULT-VALUE}).")
    Duration minTtl;

    @Option(names = "--dns-upstream-timeout", defaultValue = "2s", converter = ProxyDurations.class, description =
            "How long a forwarded query waits before the pod gets SERVFAIL (default: ${DEFAULT-VALUE}).")
    Duration upstreamTimeout;

    @Option(names = "--dns-datapath-timeout", defaultValue = "500ms", converter = ProxyDurations.class, description =
            "How long an answer waits for the datapath to allow its addresses before the pod gets SERVFAIL instead (default: ${DEFAULT-VALUE}).")
    Duration datapathTimeout;

    @Option(names = "--dns-rate-limit", defaultValue = "1000",
            description = "Queries a second one pod address may send (0: no limit; default: ${DEFAULT-VALUE}).")
    int rateLimit;

    @Option(names = "--dns-rate-burst", defaultValue = "2000", description = "Queries one pod may send at once (default: ${DEFAULT-VALUE}).")
    int rateBurst;

    public DnsProxyConfig config() {
        try {
            return new DnsProxyConfig(enabled, port, standbyPort, threads,
                    DnsProxyCommand.settings(refuseWith, upstreamTimeout, datapathTimeout, rateLimit, rateBurst),
                    DnsProxyCommand.learning(minTtl), standbyStateDir);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("invalid DNS proxy options: " + e.getMessage());
        }
    }
}
