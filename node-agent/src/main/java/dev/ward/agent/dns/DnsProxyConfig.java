package dev.ward.agent.dns;

import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.proxy.ProxySettings;

import java.nio.file.Path;

/**
 * The node's DNS proxy, which runs with the endpoints on the BPF datapath: the datapath redirects pods' DNS traffic
 * (port 53, any server) whose policy has DNS rules to it.
 *
 * @param enabled         whether it runs ({@code --dns-proxy}); without it, DNS-ruled lookups are dropped
 * @param port            the transparent port it listens on
 * @param standbyPort     where the standalone {@code ward dnsproxy} listens; the datapath hands DNS to it while no
 *                        socket is on {@code port} (the agent is down); 0: no standby
 * @param threads         its event-loop threads
 * @param settings        refusal answer, timeouts, rate limits
 * @param learning        the toFQDNs learner's minimum TTL and grace for open connections
 * @param standbyStateDir the standalone proxy's state directory: the agent restores the names it learned from there
 */
public record DnsProxyConfig(boolean enabled, int port, int standbyPort, int threads, ProxySettings settings,
                             EngineFqdnLearner.Settings learning, Path standbyStateDir) {
    public static final int DEFAULT_PORT = 10053;
    public static final Path DEFAULT_STANDBY_STATE_DIR = Path.of("/var/lib/ward/dnsproxy");
    public static final DnsProxyConfig DEFAULT = new DnsProxyConfig(true, DEFAULT_PORT, DEFAULT_PORT + 1, 2,
            ProxySettings.DEFAULT, EngineFqdnLearner.Settings.DEFAULT, DEFAULT_STANDBY_STATE_DIR);

    public DnsProxyConfig {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("the DNS proxy's port must be 1-65535, not " + port);
        if (standbyPort < 0 || standbyPort > 65535) {
            throw new IllegalArgumentException("the DNS proxy's standby port must be 0 (none) or 1-65535, not " + standbyPort);
        }
        if (standbyPort == port) throw new IllegalArgumentException("the DNS proxy's standby port must differ from its port " + port);
        if (threads < 1 || threads > 64) throw new IllegalArgumentException("the DNS proxy's threads must be 1-64, not " + threads);
        if (settings == null) settings = ProxySettings.DEFAULT;
        if (learning == null) learning = EngineFqdnLearner.Settings.DEFAULT;
        if (standbyStateDir == null) standbyStateDir = DEFAULT_STANDBY_STATE_DIR;
    }
}
