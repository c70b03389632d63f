package dev.ward.agent.datapath.status;

import dev.ward.agent.datapath.BpfPolicyDatapath;
import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.datapath.InMemoryDatapath;
import dev.ward.agent.datapath.PolicyDatapath;

import java.util.List;
import java.util.Map;

/** What the node's datapath holds now, as its report states it. */
interface DatapathFacts {
    /** A {@link DatapathReport} but for the node, the proxies and the time. */
    record Summary(String datapath, int endpoints, int enforced, List<DatapathReport.LockedEndpoint> locked, Map<String, String> refusedPrograms) {}

    Summary read();

    /** The facts of the datapath the agent runs: the BPF one read back from the kernel, or the in-memory one. */
    static DatapathFacts of(PolicyDatapath datapath) {
        return switch (datapath) {
            case BpfPolicyDatapath bpf -> new KernelDatapathFacts(bpf);
            case InMemoryDatapath memory -> () -> new Summary(DatapathKind.NONE.flag(), memory.endpoints().size(),
                    (int) memory.endpoints().values().stream().filter(h -> h.ingressEnforced() || h.egressEnforced()).count(), List.of(), Map.of());
            default -> throw new IllegalArgumentException("no datapath report for a " + datapath.getClass().getName());
        };
    }
}
