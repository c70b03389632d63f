package dev.ward.agent.identity;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;

/** The node's identity: bootstraps or reloads its SVID and keeps it renewed; offers the {@link NodeIdentityAgent}. */
public final class IdentitySubsystem implements Subsystem {
    private final IdentityConfig config;
    private NodeIdentityAgent agent;

    public IdentitySubsystem(IdentityConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "identity";
    }

    @Override
    public void start(AgentContext context) throws IdentityUnavailableException {
        KeydChannel keyd = KeydChannel.on(context.store(), context.clock());
        agent = NodeIdentityAgent.start(config.settings(), keyd.requester(), keyd.trust(), config.joinToken(), context.clock());
        context.provide(NodeIdentityAgent.class, agent);
    }

    @Override
    public void stop() {
        if (agent != null) agent.close();
    }
}
