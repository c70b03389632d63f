package dev.ward.dnsproxy.standalone;

import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.EnginePolicyHost;
import dev.ward.dnsproxy.event.DnsEventListener;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.FqdnEntry;
import dev.ward.dnsproxy.fqdn.FqdnJournal;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.fqdn.PolicyDatapath;
import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.policy.IpcacheView;
import dev.ward.dnsproxy.snapshot.DnsSnapshot;
import dev.ward.dnsproxy.snapshot.DnsSnapshotFile;
import dev.ward.dnsproxy.snapshot.LocalIdentityTranslation;
import dev.ward.dnsproxy.snapshot.SnapshotEngine;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.PolicyEngine;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code ward dnsproxy}: the DNS proxy as its own process beside the agent, so DNS keeps being enforced, and toFQDNs
 * addresses keep being learned, while the agent is down or restarting. It listens on a standby port of its own (no
 * SO_REUSEPORT: bpf_sk_assign refuses a socket of a reuseport group before Linux 6.5); the datapath redirects DNS to the
 * agent's proxy port and, while nothing listens there, to the standby port registered for it.
 *
 * <p>Its policy engine is built from the agent's snapshot file (and rebuilt when a newer generation appears), plus the
 * names the agent had learned (the agent's FQDN journal, read at each build and never expired here: the agent
 * expires its own). What it learns itself goes through {@link LocalIdentityTranslation} to the datapath, numbered as
 * the node's maps are, and into its own journal, which the agent restores from when it comes back.
 */
public final class StandaloneDnsProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneDnsProxy.class);
    public static final String JOURNAL_FILE = "fqdn-journal.jsonl";

    /**
     * @param snapshot     the agent's snapshot file
     * @param stateDir     where this process keeps its FQDN journal
     * @param agentJournal the agent's FQDN journal (names it learned), or null
     * @param poll         how often the snapshot file is checked
     */
    public record Config(Path snapshot, Path stateDir, Path agentJournal, DnsProxy.Config proxy,
                         EngineFqdnLearner.Settings learning, Duration poll) {}

    private final ExecutorService engineLoop = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("ward-dns-engine").unstarted(r));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("ward-dns-snapshot").unstarted(r));
    private final Config config;
    private final IpcacheView ipcache = new IpcacheView();
    private final LocalIdentityTranslation translation;
    private final SnapshotFollower follower;
    private EnginePolicyHost host;
    private DnsProxy proxy;
    private volatile long generation;
    private final Set<String> endpoints = new HashSet<>();

    private StandaloneDnsProxy(Config config, LocalIdentityTranslation translation, SnapshotFollower follower) {
        this.config = config;
        this.translation = translation;
        this.follower = follower;
    }

    /**
     * Waits for the snapshot, builds the engine, restores this process's journal into the datapath, and only then
     * binds the transparent port.
     */
    public static StandaloneDnsProxy start(Config config, PolicyDatapath datapath, LocalIdentityTranslation.NodeIdentities node,
                                           OpenConnections open, DnsEventListener events, PrometheusRegistry registry) {
        return start(config, datapath, node, SnapshotFollower.NONE, open, events, registry);
    }

    /** As above, with {@code follower} told of every snapshot in force and of the port once the proxy listens. */
    public static StandaloneDnsProxy start(Config config, PolicyDatapath datapath, LocalIdentityTranslation.NodeIdentities node,
                                           SnapshotFollower follower, OpenConnections open, DnsEventListener events,
                                           PrometheusRegistry registry) {
        StandaloneDnsProxy p = new StandaloneDnsProxy(config, new LocalIdentityTranslation(datapath, node), follower);
        try {
            p.run(open, events, registry);
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void run(OpenConnections open, DnsEventListener events, PrometheusRegistry registry) {
        DnsSnapshot first = awaitSnapshot();
        SnapshotEngine.Built built = SnapshotEngine.build(first);
        built.problems().forEach(pr -> LOG.warn("snapshot generation {}: {}", first.generation(), pr));
        EnginePolicyHost[] h = new EnginePolicyHost[1];
        DnsProxyMetrics metrics = new DnsProxyMetrics(registry, () -> h[0] == null ? 0 : h[0].learner().size());
        call(() -> {
            follower.snapshotInForce(first);
            translation.engineBuilt(built.engine());
            replayAgentNames(built.engine());
            ipcache.setPodAddresses(built.podAddresses());
            ipcache.resetFrom(built.engine());
            host = new EnginePolicyHost(built.engine(), engineLoop, ipcache, translation, open,
                    config.stateDir().resolve(JOURNAL_FILE), config.learning(), Clock.systemUTC(), ipcache::engineChanged,
                    metrics::persistFailed);
            h[0] = host;
            setEndpoints(built.endpoints());
            return null;
        });
        generation = first.generation();
        host.restore(List.of(config.stateDir().resolve(JOURNAL_FILE))).join();
        host.startExpiry(Duration.ofSeconds(1));
        proxy = DnsProxy.start(config.proxy(), host.rules(), host.learner(), events, metrics);
        int port = proxy.port();
        call(() -> {
            follower.listening(port);
            return null;
        });
        SnapshotWatcher watcher = new SnapshotWatcher(config.snapshot(), generation, s -> engineLoop.execute(() -> rebuild(s)));
        timer.scheduleWithFixedDelay(watcher::poll, config.poll().toMillis(), config.poll().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("DNS proxy serving port {} with snapshot generation {} ({} endpoints)", proxy.port(), generation, built.endpoints().size());
    }

    /** Engine thread: a newer snapshot replaces the engine; what this process learned goes into the new one. */
    private void rebuild(DnsSnapshot s) {
        SnapshotEngine.Built b = SnapshotEngine.build(s);
        b.problems().forEach(pr -> LOG.warn("snapshot generation {}: {}", s.generation(), pr));
        PolicyEngine fresh = b.engine();
        follower.snapshotInForce(s);
        translation.engineBuilt(fresh);
        replayAgentNames(fresh);
        host.learner().useEngine(fresh, translation::observe);
        ipcache.setPodAddresses(b.podAddresses());
        ipcache.resetFrom(fresh);
        host.rules().replaceEngine(fresh);
        setEndpoints(b.endpoints());
        generation = s.generation();
        LOG.info("now enforcing snapshot generation {}", generation);
    }

    private void setEndpoints(List<SnapshotEngine.Endpoint> eps) {
        Set<String> now = new HashSet<>();
        for (SnapshotEngine.Endpoint e : eps) {
            host.rules().setEndpoint(e.name(), e.identity(), e.addresses());
            now.add(e.name());
        }
        for (String gone : endpoints) if (!now.contains(gone)) host.rules().removeEndpoint(gone);
        endpoints.clear();
        endpoints.addAll(now);
    }

    private void replayAgentNames(PolicyEngine engine) {
        Path j = config.agentJournal();
        if (j == null || !Files.exists(j)) return;
        try {
            Map<String, List<InetAddress>> byName = new LinkedHashMap<>();
            for (FqdnEntry e : FqdnJournal.read(j).entries()) byName.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e.address());
            for (Map.Entry<String, List<InetAddress>> n : byName.entrySet()) {
                EngineDelta d = engine.learnFqdn(n.getKey(), n.getValue());
                translation.observe(d);
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot read the agent's FQDN journal {}: {}", j, e.getMessage());
        }
    }

    private DnsSnapshot awaitSnapshot() {
        long warned = 0;
        while (true) {
            if (Files.exists(config.snapshot())) return DnsSnapshotFile.read(config.snapshot());
            if (System.nanoTime() - warned > 10_000_000_000L) {
                LOG.info("waiting for the agent's DNS snapshot {}; not serving until it exists", config.snapshot());
                warned = System.nanoTime();
            }
            try {
                Thread.sleep(config.poll().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + config.snapshot(), e);
            }
        }
    }

    private <T> T call(java.util.concurrent.Callable<T> work) {
        try {
            return engineLoop.submit(work).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public long generation() {
        return generation;
    }

    public int port() {
        return proxy.port();
    }

    public EnginePolicyHost host() {
        return host;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (proxy != null) proxy.close();
        if (host != null) host.close();
        engineLoop.shutdown();
        try {
            engineLoop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
