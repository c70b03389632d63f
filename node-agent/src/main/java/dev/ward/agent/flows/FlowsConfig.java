package dev.ward.agent.flows;

import dev.ward.agent.flows.log.FlowLogConfig;

import java.util.Optional;

/**
 * The node's flow visibility: the hub's sizes and the flow log, when there is one ({@code ward agent --flow-log}).
 */
public record FlowsConfig(FlowHub.Settings hub, Optional<FlowLogConfig> log) {
    public static final FlowsConfig DEFAULT = new FlowsConfig(FlowHub.Settings.DEFAULT, Optional.empty());

    public FlowsConfig {
        if (hub == null) hub = FlowHub.Settings.DEFAULT;
        if (log == null) log = Optional.empty();
    }
}
