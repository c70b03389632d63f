package dev.ward.dnsproxy.testing;

import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.EnginePolicyHost;
import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.policy.IpcacheView;
import dev.ward.dnsproxy.proxy.ProxySettings;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What the agent will wire, built in a test: a real policy engine on its own loop thread, fed with policies and the
 * test's endpoints, the proxy's engine host on it, a recording datapath, and the proxy serving a namespace.
 */
public final class AgentSide implements AutoCloseable {
    public static final String CLUSTER = "default";

    public final ExecutorService loop = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("engine").unstarted(r));
    public final PolicyEngine engine = new PolicyEngine(CLUSTER);
    public final IpcacheView ipcache = new IpcacheView();
    public final RecordingDatapath datapath;
    public final PrometheusRegistry registry = new PrometheusRegistry();
    public final Queue<DnsEvent> events = new ConcurrentLinkedQueue<>();
    public final EnginePolicyHost host;
    public final DnsProxyMetrics metrics;
    private DnsProxy proxy;

    public AgentSide(RecordingDatapath datapath, Path journal, EngineFqdnLearner.Settings learning, OpenConnections open) {
        this.datapath = datapath;
        EnginePolicyHost[] h = new EnginePolicyHost[1];
        this.metrics = new DnsProxyMetrics(registry, () -> h[0] == null ? 0 : h[0].learner().size());
        this.host = new EnginePolicyHost(engine, loop, ipcache, datapath, open, journal, learning, Clock.systemUTC(),
                ipcache::engineChanged, metrics::persistFailed);
        h[0] = host;
    }

    public static Identity pod(int id, String labels) {
        return Identity.of(id, LabelSet.parse("k8s:io.kubernetes.pod.namespace=default,k8s:io.cilium.k8s.policy.cluster=default," + labels, "k8s"));
    }

    /** Applies {@code yaml}'s policies and the endpoints, on the engine's loop, and writes the deltas to the datapath. */
    public void setUp(String yaml, List<Identity> identities, List<EndpointSpec> endpoints) {
        on(() -> {
            for (Identity i : identities) change(engine.upsertIdentity(i));
            for (ParsedDocument d : new PolicyParser().parse(yaml, "test.yaml")) {
                if (!d.ok()) throw new AssertionError("bad test policy: " + d.errors());
                if (d.policy() != null) change(engine.upsertPolicy(d.policy()));
            }
            for (EndpointSpec e : endpoints) {
                change(engine.upsertEndpoint(new LocalEndpoint(e.name, e.identity)));
                host.rules().setEndpoint(e.name, e.identity.id(), e.addresses);
            }
            return null;
        });
    }

    /** One of the agent's own engine changes, as the agent will make it: engine, proxy view, datapath. */
    private void change(EngineDelta d) {
        host.engineChanged(d);
        datapath.apply(d).join();
    }

    public record EndpointSpec(String name, Identity identity, List<InetAddress> addresses) {}

    public <T> T on(java.util.concurrent.Callable<T> work) {
        try {
            return loop.submit(work).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e.getCause() != null ? e.getCause() : e);
        }
    }

    public DnsProxy serve(String netns, ProxySettings settings) {
        DnsProxy.Config c = new DnsProxy.Config(new InetSocketAddress(0), netns, 2, 2, 4, settings);
        proxy = DnsProxy.start(c, host.rules(), host.learner(), events::add, metrics);
        return proxy;
    }

    public CompletableFuture<Void> restore(List<Path> journals) {
        return host.restore(journals);
    }

    @Override
    public void close() {
        if (proxy != null) proxy.close();
        host.close();
        loop.shutdownNow();
    }
}
