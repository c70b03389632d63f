package dev.ward.agent.flows.sources;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.datapath.KernelDatapath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L3/L4 flows: when the agent runs the BPF datapath (the {@link KernelDatapath} service of the datapath subsystem), its ring
 * buffer drained into the flow hub. Without it (the agent's {@code --datapath none}) there are no L3/L4 flows and
 * this does nothing.
 */
public final class DatapathFlowsSubsystem implements Subsystem {
    private static final Logger LOG = LoggerFactory.getLogger(DatapathFlowsSubsystem.class);

    private DatapathFlowReader reader;

    @Override
    public String name() {
        return "datapath-flows";
    }

    @Override
    public void start(AgentContext context) {
        FlowHub hub = context.require(FlowHub.class);
        context.find(KernelDatapath.class).ifPresentOrElse(
                dp -> reader = DatapathFlowReader.start(dp, context.node(), hub, context.clock()),
                () -> LOG.info("node {}: no BPF datapath, so no L3/L4 flow events", context.node()));
    }

    @Override
    public void stop() {
        if (reader != null) reader.close();
    }
}
