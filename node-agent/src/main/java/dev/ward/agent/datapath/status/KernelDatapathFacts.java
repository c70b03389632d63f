package dev.ward.agent.datapath.status;

import dev.ward.agent.datapath.BpfPolicyDatapath;
import dev.ward.agent.datapath.DatapathKind;
import dev.ward.bpf.datapath.EndpointRecord;
import dev.ward.bpf.load.VerifierRejectedException;
import dev.ward.policy.model.Direction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The BPF datapath's facts as the kernel holds them: the endpoints map read back (its enforce and lock bits) and the
 * programs the verifier refused, on the datapath's own thread between its writes; why an endpoint is locked comes
 * from the failure the agent saw (the map has only the bit).
 */
final class KernelDatapathFacts implements DatapathFacts {
    private static final long READ_TIMEOUT_SECONDS = 30;
    private final BpfPolicyDatapath datapath;

    KernelDatapathFacts(BpfPolicyDatapath datapath) {
        this.datapath = datapath;
    }

    private record Read(List<EndpointRecord> endpoints, Map<Direction, VerifierRejectedException> refusals) {}

    @Override
    public Summary read() {
        Read read;
        try {
            read = datapath.kernel().call(dp -> new Read(dp.endpoints(), dp.refusals())).get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading the datapath back", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the datapath back: " + e.getMessage(), e);
        }
        int enforced = 0;
        List<DatapathReport.LockedEndpoint> locked = new ArrayList<>();
        for (EndpointRecord r : read.endpoints()) {
            if (r.enforced(Direction.INGRESS) || r.enforced(Direction.EGRESS)) enforced++;
            List<String> directions = new ArrayList<>();
            for (Direction d : Direction.values()) if (r.locked(d)) directions.add(d.lower());
            if (directions.isEmpty()) continue;
            String reason = datapath.failures().reasonFor(r.name()).orElse("no failure seen by this agent (locked before it started)");
            locked.add(new DatapathReport.LockedEndpoint(r.name(), directions, reason));
        }
        locked.sort(java.util.Comparator.comparing(DatapathReport.LockedEndpoint::name));
        Map<String, String> refused = new LinkedHashMap<>();
        // The first line: the verifier's log is for the agent's log, not for a status record.
        read.refusals().forEach((d, e) -> refused.put(d.lower(), e.getMessage().lines().findFirst().orElse("")));
        return new Summary(DatapathKind.BPF.flag(), read.endpoints().size(), enforced, locked, refused);
    }
}
