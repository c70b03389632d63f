package dev.ward.agent.endpoints;

import dev.ward.agent.AgentContext;
import dev.ward.agent.datapath.DatapathException;
import dev.ward.agent.datapath.DatapathReadBack;
import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.agent.Subsystem;
import dev.ward.agent.ipcache.ClusterIpcache;
import dev.ward.agent.ipcache.EndpointPublisher;
import dev.ward.agent.ipcache.EndpointRecords;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.agentapi.AgentApiServer;
import dev.ward.policy.identity.ClusterIdentityAllocator;
import dev.ward.store.ClusterStore;
import dev.ward.store.Subscription;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The node's endpoints: the registry from the state directory (known at once after a restart), the pods' labels
 * (Kubernetes informers, or the runtime's), the cluster's endpoint records followed into the ipcache and this node's
 * published, and the agent's API socket for the CNI plugin and wardctl. Start order makes a restart safe: the
 * registry's endpoints and the whole cluster's ipcache enter the engine first, then the datapath is reconciled with
 * all of it at once, and only then does the socket accept CNI requests. Needs the policy subsystem's loop and
 * allocator; offers the {@link EndpointManager} and the socket's {@link ApiRoutes}, where later subsystems add their
 * operations.
 */
public final class EndpointsSubsystem implements Subsystem {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointsSubsystem.class);

    private final EndpointsConfig config;
    private PodLabelSource labels;
    private EndpointRecords records;
    private Subscription following;
    private EndpointPublisher publisher;
    private AgentApiServer server;

    public EndpointsSubsystem(EndpointsConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "endpoints";
    }

    @Override
    public void start(AgentContext context) throws Exception {
        PolicyEngineLoop loop = context.require(PolicyEngineLoop.class);
        ClusterIdentityAllocator allocator = context.require(ClusterIdentityAllocator.class);
        PolicyConfig policy = context.require(PolicyConfig.class);
        String node = context.node();
        try {
            EndpointRegistry registry = new EndpointRegistry(new EndpointRegistryFile(context.stateDir()));
            labels = switch (context.store()) {
                case ClusterStore.Kubernetes k -> new KubernetesPodLabels(k.client(), node, policy.clusterName());
                case ClusterStore.KeyValue kv -> PodLabelSource.runtime(policy.clusterName());
            };
            records = EndpointRecords.on(context.store());
            ClusterIpcache ipcache = new ClusterIpcache(node);
            EndpointManager manager = new EndpointManager(node, registry, loop, allocator, labels, new VethLookup(config.netns()), ipcache,
                    config.settings());
            following = records.follow(change -> loop.call(() -> loop.applyIpcache(ipcache.nodeChanged(change))));
            int restored = manager.restore();
            try {
                loop.reconcile().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // Endpoints the datapath could not give their policy are failed closed and retried; the others, and
                // the node's new pods, must not wait for them.
                if (!(e.getCause() instanceof DatapathException)) throw e;
                LOG.error("node {}: the datapath failed some endpoints closed at start: {}", node, e.getCause().getMessage());
            }
            loop.reconcileEvery(config.reconcileEvery());
            publisher = new EndpointPublisher(node, records, manager::published);
            manager.onChange(publisher::changed);
            publisher.changed();
            DatapathReadBack readBack = context.find(KernelDatapath.class).map(DatapathReadBack::new).orElse(null);
            EndpointApi api = new EndpointApi(node, manager, loop, readBack, new EndpointMetrics(context.require(PrometheusRegistry.class)));
            ApiRoutes routes = new ApiRoutes(api);
            server = AgentApiServer.start(config.apiSocket(), routes, AgentApiServer.Settings.DEFAULT);
            LOG.info("node {}: {} endpoints taken back from {}, the datapath reconciled; serving {}", node, restored,
                    EndpointRegistryFile.NAME, config.apiSocket());
            context.provide(EndpointManager.class, manager);
            context.provide(ApiRoutes.class, routes);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @Override
    public void stop() {
        if (server != null) server.close();
        if (publisher != null) publisher.close();
        if (following != null) following.close();
        if (labels != null) labels.close();
        if (records != null) records.close();
    }
}
