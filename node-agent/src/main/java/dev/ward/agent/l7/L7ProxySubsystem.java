package dev.ward.agent.l7;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.agent.datapath.ProxyPortTable;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.sources.L7Flows;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.bpf.proxy.ProxyRouting;
import dev.ward.l7proxy.access.L7AccessListener;
import dev.ward.l7proxy.parser.ParserRegistry;
import dev.ward.l7proxy.proxy.L7Proxy;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.sys.LinuxSyscalls;
import dev.ward.policy.model.Direction;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's L7 proxy ({@link L7Proxy}, every parser on the class path) on the BPF datapath: it listens in the
 * node's namespace, one transparent port per direction, registers those ports for every parser's L7 type in the
 * datapath's {@link ProxyPortTable} and has the engine loop reconcile, so redirect rows that dropped (no proxy yet)
 * now deliver to it. Requests are judged by the endpoints' tables as the datapath holds them, peers' identities come
 * from the kernel's ipcache, access events go to the flow hub and the metrics to the agent's registry. Offers the
 * running {@link L7Proxy}.
 */
public final class L7ProxySubsystem implements Subsystem {
    private static final Logger LOG = LoggerFactory.getLogger(L7ProxySubsystem.class);

    private final L7ProxyConfig config;
    private final String netns;
    private final List<String> registered = new ArrayList<>();
    private ProxyPortTable ports;
    private L7Proxy proxy;
    private int netnsFd = -1;

    /** The proxy for the node whose pods' veths are in {@code netns} (null: the agent's own namespace). */
    public L7ProxySubsystem(L7ProxyConfig config, String netns) {
        this.config = config;
        this.netns = netns;
    }

    @Override
    public String name() {
        return "l7-proxy";
    }

    @Override
    public void start(AgentContext context) throws Exception {
        KernelDatapath kernel = context.require(KernelDatapath.class);
        ports = context.require(ProxyPortTable.class);
        PolicyEngineLoop loop = context.require(PolicyEngineLoop.class);
        L7AccessListener access = context.find(FlowHub.class).<L7AccessListener>map(h -> new L7Flows(context.node(), h))
                .orElse(L7AccessListener.NONE);
        try {
            LocalVerdicts verdicts = new LocalVerdicts();
            loop.addTableListener(verdicts).get(30, TimeUnit.SECONDS);
            ParserRegistry parsers = ParserRegistry.load();
            proxy = L7Proxy.builder()
                    // IPv4 sockets: the per-socket xfrm bypass below is of one family.
                    .listen(Direction.INGRESS, new InetSocketAddress("0.0.0.0", config.ingressPort()))
                    .listen(Direction.EGRESS, new InetSocketAddress("0.0.0.0", config.egressPort()))
                    .lookup(new AgentRedirectLookup(kernel, verdicts))
                    .parsers(parsers)
                    .accessListener(access)
                    .metrics(context.require(PrometheusRegistry.class))
                    .threads(config.threads())
                    .threadFactory(threads())
                    .upstreamMarkOf(c -> c.direction() == Direction.INGRESS ? ProxyRouting.FROM_INGRESS_PROXY_MARK : 0)
                    .socketSetup(XfrmSocketBypass::apply)
                    .start();
            int in = proxy.address(Direction.INGRESS).getPort();
            int out = proxy.address(Direction.EGRESS).getPort();
            for (String type : parsers.names()) {
                ports.register(type, Direction.INGRESS, in);
                ports.register(type, Direction.EGRESS, out);
                registered.add(type);
            }
            // The redirect rows written before the ports were known point nowhere (and drop): rewrite them.
            loop.reconcile().get(60, TimeUnit.SECONDS);
            LOG.info("node {}: L7 proxy for {} on ports {} (ingress) and {} (egress)", context.node(), registered, in, out);
            context.provide(L7Proxy.class, proxy);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    /** Event-loop threads in the node's namespace: the proxy's sockets are created on them, so they live there. */
    private ThreadFactory threads() {
        AtomicInteger n = new AtomicInteger();
        if (netns == null) return r -> Thread.ofPlatform().daemon().name("ward-l7-" + n.incrementAndGet()).unstarted(r);
        netnsFd = NetworkNamespace.openFd(netns);
        int fd = netnsFd;
        return r -> Thread.ofPlatform().daemon().name("ward-l7-" + n.incrementAndGet()).unstarted(() -> {
            LinuxSyscalls.setns(fd, LinuxSyscalls.CLONE_NEWNET);
            r.run();
        });
    }

    @Override
    public void stop() {
        // The rows keep their ports: with nobody listening the datapath drops those flows until the next agent's
        // proxy registers, never lets them through unfiltered.
        for (String type : registered) ports.unregister(type);
        registered.clear();
        if (proxy != null) proxy.close();
        proxy = null;
        if (netnsFd >= 0) LinuxSyscalls.close(netnsFd);
        netnsFd = -1;
    }
}
