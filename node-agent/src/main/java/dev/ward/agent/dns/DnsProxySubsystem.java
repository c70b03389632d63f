package dev.ward.agent.dns;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.datapath.IpcacheEntry;
import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.agent.datapath.ProxyPortTable;
import dev.ward.agent.endpoints.Endpoint;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.sources.DnsFlows;
import dev.ward.agent.policy.PolicyDocuments;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.EnginePolicyHost;
import dev.ward.dnsproxy.event.DnsEventListener;
import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.policy.IpcacheView;
import dev.ward.dnsproxy.standalone.StandaloneDnsProxy;
import dev.ward.netlink.IpPrefix;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The node's DNS proxy ({@link DnsProxy}) on the agent's policy engine and BPF datapath. Its rule view and toFQDNs
 * learner run on the engine's thread, so learned addresses reach the maps in one order with the agent's own changes,
 * before the answer is released. It restores the names it and the standalone proxy learned before it listens,
 * registers its port for "dns" in the datapath's {@link ProxyPortTable} (and the standalone's standby port) and has
 * the engine loop reconcile, and keeps the standalone proxy's snapshot current. Events go to the flow hub, metrics to
 * the agent's registry.
 */
public final class DnsProxySubsystem implements Subsystem {
    private static final Logger LOG = LoggerFactory.getLogger(DnsProxySubsystem.class);
    /**
     * The subdirectory of the agent's state directory with what the standalone proxy reads, and nothing else: the
     * standalone's mount of it shows none of the agent's keys.
     */
    public static final String DIRECTORY = "dns";
    /** The standalone proxy's snapshot, relative to the agent's state directory. */
    public static final String SNAPSHOT_FILE = DIRECTORY + "/dns-snapshot.json";
    /** The agent's FQDN journal, relative to its state directory. */
    public static final String JOURNAL_FILE = DIRECTORY + "/" + StandaloneDnsProxy.JOURNAL_FILE;

    private final DnsProxyConfig config;
    private final String netns;
    private ProxyPortTable ports;
    private EnginePolicyHost host;
    private DnsProxy proxy;
    private DnsSnapshotWriter snapshot;
    private final Set<String> endpoints = new HashSet<>();

    /** The proxy for the node whose pods' veths are in {@code netns} (null: the agent's own namespace). */
    public DnsProxySubsystem(DnsProxyConfig config, String netns) {
        this.config = config;
        this.netns = netns;
    }

    @Override
    public String name() {
        return "dns-proxy";
    }

    @Override
    public void start(AgentContext context) throws Exception {
        KernelDatapath kernel = context.require(KernelDatapath.class);
        ports = context.require(ProxyPortTable.class);
        PolicyEngineLoop loop = context.require(PolicyEngineLoop.class);
        EndpointManager manager = context.require(EndpointManager.class);
        DnsEventListener events = context.find(FlowHub.class).<DnsEventListener>map(h -> new DnsFlows(context.node(), h))
                .orElse(DnsEventListener.NONE);
        try {
            Path dir = context.stateDir().resolve(DIRECTORY);
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            IpcacheView addresses = new IpcacheView();
            DnsProxyMetrics metrics = new DnsProxyMetrics(context.require(PrometheusRegistry.class),
                    () -> host == null ? 0 : host.learner().size());
            snapshot = new DnsSnapshotWriter(context.stateDir().resolve(SNAPSHOT_FILE), loop,
                    context.require(PolicyDocuments.class), manager::list, ports::ports);
            host = loop.call(() -> {
                EnginePolicyHost h = new EnginePolicyHost(loop.engine(), loop.executor(), addresses, loop::toDatapath,
                        new ConntrackOpenConnections(kernel), context.stateDir().resolve(JOURNAL_FILE), config.learning(),
                        context.clock(), addresses::engineChanged, metrics::persistFailed);
                addresses.resetFrom(loop.engine());
                loop.addObserver(h::engineChanged);
                loop.addObserver(d -> snapshot.changed());
                return h;
            }).get(30, TimeUnit.SECONDS);
            loop.addIpcacheListener(ipcache -> {
                addresses.setPodAddresses(podAddresses(ipcache));
                snapshot.changed();
            }).get(30, TimeUnit.SECONDS);
            manager.onChange(() -> loop.call(() -> {
                syncEndpoints(manager.list());
                return null;
            }).thenRun(snapshot::changed));
            loop.call(() -> {
                syncEndpoints(manager.list());
                return null;
            }).get(30, TimeUnit.SECONDS);
            host.restore(List.of(context.stateDir().resolve(JOURNAL_FILE),
                    config.standbyStateDir().resolve(StandaloneDnsProxy.JOURNAL_FILE))).get(60, TimeUnit.SECONDS);
            host.startExpiry(Duration.ofSeconds(1));
            // No SO_REUSEPORT: before Linux 6.5 bpf_sk_assign refuses a socket in a reuseport group. The standalone
            // proxy takes over through the standby port instead, which the datapath tries while this one is gone.
            proxy = DnsProxy.start(new DnsProxy.Config(new InetSocketAddress("0.0.0.0", config.port()), netns, config.threads(), 1, 8,
                    config.settings()).exclusivePort(), host.rules(), host.learner(), events, metrics);
            ports.register("dns", proxy.port());
            if (config.standbyPort() != 0) {
                kernel.call(dp -> {
                    dp.setProxyStandby(config.port(), config.standbyPort());
                    return null;
                }).get(30, TimeUnit.SECONDS);
            }
            // The redirect rows written before the port was known point nowhere (and drop): rewrite them.
            loop.reconcile().get(60, TimeUnit.SECONDS);
            snapshot.writeNow();
            LOG.info("node {}: DNS proxy on port {}{}", context.node(), proxy.port(),
                    config.standbyPort() == 0 ? "" : ", standby on " + config.standbyPort());
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    private static Map<InetAddress, Integer> podAddresses(Map<IpPrefix, IpcacheEntry> ipcache) {
        Map<InetAddress, Integer> out = new HashMap<>();
        ipcache.forEach((p, e) -> {
            if (p.isHost()) out.put(p.address(), e.identity());
        });
        return out;
    }

    /** Engine thread: the rule view learns which pod a query's source address is. */
    private void syncEndpoints(List<Endpoint> now) {
        Set<String> seen = new HashSet<>();
        for (Endpoint e : now) {
            if (e.identity() == 0) continue;
            host.rules().setEndpoint(e.name(), e.identity(), e.addresses().stream().map(IpPrefix::address).toList());
            seen.add(e.name());
        }
        for (String gone : endpoints) if (!seen.contains(gone)) host.rules().removeEndpoint(gone);
        endpoints.clear();
        endpoints.addAll(seen);
    }

    /** Where the standalone proxy's snapshot is for an agent whose state directory is {@code stateDir}. */
    public static Path snapshotFile(Path stateDir) {
        return stateDir.resolve(SNAPSHOT_FILE);
    }

    @Override
    public void stop() {
        // The rows keep the port and the standby entry stays pinned: with nobody on the port the datapath hands DNS to
        // the standby proxy if one listens, and drops it otherwise, never lets it through unfiltered. The snapshot
        // stays for the standby.
        if (ports != null) ports.unregister("dns");
        if (proxy != null) proxy.close();
        proxy = null;
        if (snapshot != null) snapshot.close();
        if (host != null) host.close();
        host = null;
    }
}
