package dev.ward.cli.dns;

import dev.ward.cli.Examples;
import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.event.DnsEventListener;
import dev.ward.dnsproxy.event.JsonLinesEventLog;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.proxy.ProxySettings;
import dev.ward.dnsproxy.standalone.NoDatapath;
import dev.ward.dnsproxy.standalone.PinnedMapsDatapath;
import dev.ward.dnsproxy.standalone.StandaloneDnsProxy;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.xbill.DNS.Rcode;
import dev.ward.cli.logging.LogOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ward dnsproxy}: the standalone DNS proxy beside the agent, on a standby port of its own, fed by the agent's
 * snapshot file, so DNS rules stay enforced and toFQDNs addresses keep being learned (and, with the BPF datapath,
 * written into the node's pinned maps) while the agent is down or restarting.
 */
@Command(name = "dnsproxy", footerHeading = Examples.HEADING, footer = {
                "  ward dnsproxy --snapshot /var/lib/ward/agent/dns/dns-snapshot.json \\",
                "      --state-dir /var/lib/ward/dnsproxy --log-format json"},
        mixinStandardHelpOptions = true, description = {
        "Run the DNS proxy as its own process beside the agent (high availability).",
        "It listens on a standby port (no SO_REUSEPORT: before Linux 6.5 bpf_sk_assign refuses reuseport sockets) that",
        "the BPF datapath sends DNS redirected to the agent's DNS proxy port to while nothing listens there, enforces",
        "the rules of the agent's snapshot file, and keeps refusing, resolving and learning toFQDNs addresses while the",
        "agent is down; with --datapath bpf what it learns goes into the node's pinned maps at once."})
public final class DnsProxyCommand implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DnsProxyCommand.class);

    public enum Refusal { REFUSED, NXDOMAIN }

    public enum DatapathKind { bpf, none }

    @Option(names = "--snapshot", defaultValue = "/var/lib/ward/agent/dns/dns-snapshot.json", paramLabel = "FILE",
            description = "The agent's DNS snapshot, watched for newer generations (default: ${DEFAULT-VALUE}).")
    Path snapshot;

    @Option(names = "--state-dir", defaultValue = "/var/lib/ward/dnsproxy", paramLabel = "DIR",
            description = "Where this proxy keeps its FQDN journal (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--agent-journal", defaultValue = "/var/lib/ward/agent/dns/fqdn-journal.jsonl", paramLabel = "FILE",
            description = "The agent's FQDN journal: names it learned, kept allowed here (default: ${DEFAULT-VALUE}).")
    Path agentJournal;

    @Option(names = "--port", defaultValue = "10054", description = {
            "The standby port this proxy listens on (default: ${DEFAULT-VALUE}, the agent's DNS proxy port 10053 + 1).",
            "With --datapath bpf it is registered as the standby of the agent's DNS proxy port (from the snapshot)."})
    int port;

    @Option(names = "--netns", paramLabel = "NS", description = "Serve the named network namespace NS (a lab node) instead of this one.")
    String netns;

    @Option(names = "--threads", defaultValue = "2", description = "Event loop threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--refuse-with", defaultValue = "REFUSED", description = "Answer to names no rule admits: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Refusal refuseWith;

    @Option(names = "--min-ttl", defaultValue = "60s", converter = ProxyDurations.class,
            description = "Shortest time a learned address stays allowed, whatever the answer's TTL (default: ${DEFAULT-VALUE}).")
    Duration minTtl;

    @Option(names = "--upstream-timeout", defaultValue = "2s", converter = ProxyDurations.class,
            description = "How long a forwarded query waits before the pod gets SERVFAIL (default: ${DEFAULT-VALUE}).")
    Duration upstreamTimeout;

    @Option(names = "--datapath-timeout", defaultValue = "500ms", converter = ProxyDurations.class,
            description = "How long an answer waits for the datapath to allow its addresses before the pod gets SERVFAIL instead (default: ${DEFAULT-VALUE}).")
    Duration datapathTimeout;

    @Option(names = "--rate-limit", defaultValue = "1000", description = "Queries a second one source address may send (0: no limit; default: ${DEFAULT-VALUE}).")
    int rateLimit;

    @Option(names = "--rate-burst", defaultValue = "2000", description = "Queries one source may send at once (default: ${DEFAULT-VALUE}).")
    int rateBurst;

    @Option(names = "--metrics-address", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics on http://HOST:PORT/metrics.")
    String metricsAddress;

    @Option(names = "--event-log", paramLabel = "FILE", description = "Append every DNS query and answer event to FILE as JSON lines.")
    Path eventLog;

    @Option(names = "--datapath", defaultValue = "bpf", description = {
            "Where learned addresses are written: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            "'bpf': into the ipcache and policy maps the agent pinned under --bpf-pin-root (no program is loaded,",
            "nothing the agent wrote is removed). 'none' for nodes without the BPF datapath: DNS rules are enforced,",
            "names learned and journaled, no maps written."})
    DatapathKind datapath;

    @Option(names = "--bpf-pin-root", defaultValue = "/sys/fs/bpf/ward", paramLabel = "DIR", description = {
            "Where the agent pinned the BPF datapath's maps: the agent's --bpf-pin-root (default: ${DEFAULT-VALUE})."})
    Path bpfPinRoot;

    @Mixin
    LogOptions logging;

    @Override
    public void run() {
        logging.apply();
        ProxySettings settings = settings(refuseWith, upstreamTimeout, datapathTimeout, rateLimit, rateBurst);
        if (port < 1 || port > 65535) throw new IllegalArgumentException("--port " + port + " is not a port (1-65535)");
        DnsProxy.Config proxy = new DnsProxy.Config(new InetSocketAddress(port), netns, threads, 1, 8, settings, false);
        EngineFqdnLearner.Settings learning = learning(minTtl);
        PrometheusRegistry registry = new PrometheusRegistry();
        HTTPServer metrics = metricsAddress == null ? null : serveMetrics(registry);
        JsonLinesEventLog log = eventLog == null ? null : new JsonLinesEventLog(eventLog);
        DnsEventListener events = log == null ? DnsEventListener.NONE : log;
        StandaloneDnsProxy.Config config = new StandaloneDnsProxy.Config(snapshot, stateDir, agentJournal, proxy, learning,
                Duration.ofMillis(500));
        PinnedMapsDatapath pinned = null;
        StandaloneDnsProxy p;
        if (datapath == DatapathKind.bpf) {
            pinned = PinnedMapsDatapath.at(bpfPinRoot);
            try {
                p = StandaloneDnsProxy.start(config, pinned, pinned, pinned, OpenConnections.NONE, events, registry);
            } catch (RuntimeException e) {
                pinned.close();
                throw e;
            }
        } else {
            NoDatapath none = new NoDatapath();
            LOG.warn("--datapath none: DNS rules enforced and names learned; no datapath maps are written");
            p = StandaloneDnsProxy.start(config, none, none, OpenConnections.NONE, events, registry);
        }
        PinnedMapsDatapath maps = pinned;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            p.close();
            if (maps != null) maps.close();
            if (log != null) log.close();
            if (metrics != null) metrics.close();
            stopped.countDown();
        }));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The proxy's answers and bounds as the flags of this command and of ward agent's --dns-* give them. */
    static ProxySettings settings(Refusal refuseWith, Duration upstreamTimeout, Duration datapathTimeout, int rateLimit, int rateBurst) {
        return ProxySettings.DEFAULT
                .withRefusalRcode(refuseWith == Refusal.NXDOMAIN ? Rcode.NXDOMAIN : Rcode.REFUSED)
                .withTimeouts(upstreamTimeout, datapathTimeout)
                .withRateLimit(rateLimit, rateBurst);
    }

    /** The learner's settings for a minimum TTL flag; the open-connection grace is the default. */
    static EngineFqdnLearner.Settings learning(Duration minTtl) {
        return new EngineFqdnLearner.Settings(minTtl, EngineFqdnLearner.Settings.DEFAULT.openGrace());
    }

    private HTTPServer serveMetrics(PrometheusRegistry registry) {
        int colon = metricsAddress.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("--metrics-address '" + metricsAddress + "' is not HOST:PORT");
        try {
            return HTTPServer.builder().hostname(metricsAddress.substring(0, colon))
                    .port(Integer.parseInt(metricsAddress.substring(colon + 1))).registry(registry).buildAndStart();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--metrics-address '" + metricsAddress + "': the port is not a number");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + metricsAddress + ": " + e.getMessage(), e);
        }
    }
}
