package dev.ward.agent.encryption;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.encryption.agent.EncryptionAgent;
import dev.ward.agent.encryption.agent.EncryptionAgentConfig;
import dev.ward.agent.node.KubernetesNode;
import dev.ward.agent.node.NodePresence;
import dev.ward.store.ClusterStore;
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
    /** How long a node that has just registered may wait for the controller to assign its pod CIDRs. */
    static final java.time.Duration POD_CIDR_WAIT = java.time.Duration.ofMinutes(2);

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
        EncryptionAgentConfig agentConfig = config.agent();
        NodePresence presence = NodePresence.ALWAYS;
        if (context.store() instanceof ClusterStore.Kubernetes k8s) {
            KubernetesNode node = new KubernetesNode(k8s.client(), context.node());
            presence = node;
            if (agentConfig.local().podCidrs().isEmpty()) {
                agentConfig = agentConfig.withPodCidrs(node.podCidrs(POD_CIDR_WAIT));
            }
        } else if (agentConfig.local().podCidrs().isEmpty()) {
            throw new IllegalArgumentException("encryption needs this node's pod CIDR: --pod-cidr (on Kubernetes it comes from the Node object)");
        }
        store = EncryptionStores.on(context.store(), false, context.clock());
        agent = new EncryptionAgent(agentConfig, store, identity, new KeyringFile(context.stateDir()),
                KernelErrorCounters.inNamespace(config.netns()), presence);
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
