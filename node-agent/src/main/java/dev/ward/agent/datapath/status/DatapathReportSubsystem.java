package dev.ward.agent.datapath.status;

import dev.ward.agent.AgentContext;
import dev.ward.agent.Subsystem;
import dev.ward.agent.datapath.PolicyDatapath;
import dev.ward.agent.datapath.ProxyPortTable;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reports the node's datapath and its proxies' ports in the store ({@link DatapathReporter}), for {@code wardctl
 * status}. Starts after the datapath; proxies that start later are in the report once they register their port.
 * Offers the {@link DatapathReporter}.
 */
public final class DatapathReportSubsystem implements Subsystem {
    private final Duration checkEvery;
    private DatapathReporter reporter;

    public DatapathReportSubsystem(Duration checkEvery) {
        this.checkEvery = checkEvery;
    }

    @Override
    public String name() {
        return "datapath-report";
    }

    @Override
    public void start(AgentContext context) {
        PolicyDatapath datapath = context.require(PolicyDatapath.class);
        Supplier<Map<String, Integer>> proxies = context.find(ProxyPortTable.class).<Supplier<Map<String, Integer>>>map(t -> t::ports).orElse(Map::of);
        reporter = new DatapathReporter(context.node(), DatapathFacts.of(datapath), proxies, DatapathReports.on(context.store()), context.clock());
        reporter.start(checkEvery);
        context.provide(DatapathReporter.class, reporter);
    }

    @Override
    public void stop() {
        if (reporter != null) reporter.close();
    }
}
