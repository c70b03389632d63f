package dev.ward.agent.policy;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.datapath.PolicyDatapath;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.ClusterIdentityAllocator;
import dev.ward.policy.identity.IdentityBackend;
import dev.ward.policy.identity.IdentityLabelFilter;
import dev.ward.policy.load.PolicyLoader;
import dev.ward.policy.store.PolicyStores;
import dev.ward.store.ClusterStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The node's policy: one {@link PolicyEngine} on its {@link PolicyEngineLoop}, fed by a {@link PolicyFeed} with the
 * store's policy objects and the cluster's identities, handing every delta to the {@link PolicyDatapath} an earlier
 * subsystem offers. Returns from start once the engine holds what the store holds now. Offers the loop and the
 * {@link ClusterIdentityAllocator} local endpoints get their identities from.
 */
public final class PolicySubsystem implements Subsystem {
    private static final Logger LOG = LoggerFactory.getLogger(PolicySubsystem.class);
    /** How long a dead node's etcd references to identities outlive it (Cilium's default kvstore lease). */
    static final long IDENTITY_LEASE_SECONDS = 15 * 60;

    private final PolicyConfig config;
    private PolicyEngineLoop loop;
    private IdentityBackend backend;
    private PolicyFeed feed;

    public PolicySubsystem(PolicyConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "policy";
    }

    @Override
    public void start(AgentContext context) throws Exception {
        PolicyDatapath datapath = context.require(PolicyDatapath.class);
        PolicyEngine engine = new PolicyEngine(config.clusterName());
        loop = new PolicyEngineLoop(engine, datapath);
        try {
            backend = PolicyStores.identityBackend(context.store(), IDENTITY_LEASE_SECONDS);
            ClusterIdentityAllocator allocator = new ClusterIdentityAllocator(backend, context.node(), config.clusterId(), IdentityLabelFilter.DEFAULT);
            feed = feedFor(context.store());
            PolicyDocuments documents = new PolicyDocuments(new PolicyLoader("default"));
            ClusterIdentityRecords identities = new ClusterIdentityRecords();
            feed.start(new PolicyFeed.Listener() {
                @Override
                public void policy(StoreChange change) {
                    loop.call(() -> {
                        documents.apply(change, engine, loop::deliver);
                        return null;
                    });
                }

                @Override
                public void identity(StoreChange change) {
                    loop.call(() -> {
                        identities.apply(change, engine, loop::deliver);
                        return null;
                    });
                }
            });
            int[] counts = loop.call(() -> new int[] {engine.policies().size(), engine.identities().size()}).get(60, TimeUnit.SECONDS);
            LOG.info("node {}: policy engine holds {} policies and {} identities from {}", context.node(), counts[0], counts[1], feed.describe());
            context.provide(PolicyEngineLoop.class, loop);
            context.provide(ClusterIdentityAllocator.class, allocator);
            context.provide(PolicyConfig.class, config);
            context.provide(PolicyDocuments.class, documents);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    static PolicyFeed feedFor(ClusterStore store) {
        return switch (store) {
            case ClusterStore.Kubernetes k -> new KubernetesPolicyFeed(k.client());
            case ClusterStore.KeyValue kv -> new KvPolicyFeed(kv.kv());
        };
    }

    @Override
    public void stop() {
        if (feed != null) feed.close();
        if (loop != null) loop.close();
        if (backend != null) backend.close();
    }
}
