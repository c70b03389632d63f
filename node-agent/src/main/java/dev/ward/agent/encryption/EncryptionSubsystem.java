package dev.ward.agent.encryption;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.encryption.agent.EncryptionAgent;
import dev.ward.agent.encryption.agent.KernelErrorCounters;
import dev.ward.agent.encryption.agent.KeyringFile;
import dev.ward.agent.encryption.kernel.XfrmDataplaneKernel;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.EncryptionStores;
import dev.ward.agent.identity.NodeIdentityAgent;

/**
 * Transparent encryption between nodes: the {@link EncryptionAgent} on the node's xfrm tables, with its
 * announcements on the cluster's store; needs the node's identity; offers the {@link EncryptionAgent}.
 */
public final class EncryptionSubsystem implements Subsystem {
    private final EncryptionConfig config;
    private EncryptionStore store;
    private EncryptionAgent agent;
    private XfrmDataplaneKernel kernel;

    public EncryptionSubsystem(EncryptionConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "encryption";
    }

    @Override
    public void start(AgentContext context) {
        NodeIdentityAgent identity = context.require(NodeIdentityAgent.class);
        store = EncryptionStores.on(context.store(), false, context.clock());
        agent = new EncryptionAgent(config.agent(), store, identity, new KeyringFile(context.stateDir()),
                KernelErrorCounters.inNamespace(config.netns()));
        try {
            kernel = XfrmDataplaneKernel.open(config.netns(), config.offloadDevice(), agent::onKernelEvent);
            agent.start(kernel);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        context.provide(EncryptionAgent.class, agent);
    }

    @Override
    public void stop() {
        if (agent != null) agent.close();
        if (kernel != null) kernel.close();
        if (store != null) store.close();
    }
}
