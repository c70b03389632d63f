package dev.ward.bpf.datapath;

import dev.ward.bpf.plan.WritePlanner;
import dev.ward.policy.compute.VerdictTable;

import java.util.List;

/** A table as the datapath must hold it, folded into rows the way {@link Datapath#policyRows} reads them back. */
final class WritePlannerView {
    private final WritePlanner planner;

    WritePlannerView(Datapath dp) {
        this.planner = new WritePlanner(dp.cookies(), dp.config().proxyPorts());
    }

    List<PolicyRow> rows(VerdictTable t) {
        return PolicyRow.fold(planner.entriesOf(t));
    }
}
