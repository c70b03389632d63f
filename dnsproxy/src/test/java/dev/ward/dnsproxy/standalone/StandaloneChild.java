package dev.ward.dnsproxy.standalone;

import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.event.JsonLinesEventLog;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.proxy.ProxySettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The proxy process the HA test kills (it plays the agent's proxy on the proxy port, alone on it: no SO_REUSEPORT):
 * args snapshot, state dir, netns, port, event log. Runs until killed.
 */
public final class StandaloneChild {
    public static void main(String[] args) throws Exception {
        Path snapshot = Path.of(args[0]);
        Path state = Path.of(args[1]);
        DnsProxy.Config proxy = new DnsProxy.Config(new InetSocketAddress(Integer.parseInt(args[3])), args[2], 2, 2, 4, ProxySettings.DEFAULT)
                .exclusivePort();
        JsonLinesEventLog events = new JsonLinesEventLog(Path.of(args[4]));
        NoDatapath none = new NoDatapath();
        StandaloneDnsProxy p = StandaloneDnsProxy.start(new StandaloneDnsProxy.Config(snapshot, state, null, proxy,
                EngineFqdnLearner.Settings.DEFAULT, Duration.ofMillis(200)), none, none, OpenConnections.NONE, events, new PrometheusRegistry());
        System.out.println("serving " + p.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
