package dev.ward.agent.datapath;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;

import java.util.function.Function;

/** Opens the node's {@link PolicyDatapath} and offers it; the policy subsystem is its one user. */
public final class DatapathSubsystem implements Subsystem {
    private final Function<AgentContext, PolicyDatapath> opener;
    private PolicyDatapath datapath;

    public DatapathSubsystem(Function<AgentContext, PolicyDatapath> opener) {
        this.opener = opener;
    }

    @Override
    public String name() {
        return "datapath";
    }

    @Override
    public void start(AgentContext context) {
        datapath = opener.apply(context);
        context.provide(PolicyDatapath.class, datapath);
    }

    @Override
    public void stop() {
        if (datapath != null) datapath.close();
    }
}
