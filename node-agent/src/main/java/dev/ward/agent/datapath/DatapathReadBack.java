package dev.ward.agent.datapath;

import dev.ward.agentapi.DatapathInfo;
import dev.ward.agentapi.DatapathStatus;
import dev.ward.agentapi.EndpointPolicy;
import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.EndpointRecord;
import dev.ward.bpf.datapath.MapFill;
import dev.ward.bpf.datapath.PolicyRow;
import dev.ward.bpf.events.DatapathCounters;
import dev.ward.bpf.events.FlowReason;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.RuleRef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the kernel's maps hold, read back for the agent's local API ({@code wardctl endpoint list}, {@code wardctl
 * policy get --endpoint}, the datapath status): the endpoints map, an endpoint's policy map folded into rows, the
 * counters and fill levels. Never the engine's view: where the agent's computed table is given, it only marks which
 * kernel rows it lacks (stale) and which of its rows the kernel lacks (missing).
 */
public final class DatapathReadBack {
    private final KernelDatapath kernel;

    public DatapathReadBack(KernelDatapath kernel) {
        this.kernel = kernel;
    }

    /** Every endpoint the endpoints map holds, by name. */
    public CompletableFuture<Map<String, DatapathInfo>> endpoints() {
        return kernel.call(dp -> {
            Map<String, Integer> fill = new HashMap<>();
            for (MapFill f : dp.fill()) fill.put(f.map(), f.entries());
            Map<String, DatapathInfo> out = new LinkedHashMap<>();
            for (EndpointRecord r : dp.endpoints()) out.put(r.name(), info(r, fill.getOrDefault("ward_pol_" + r.endpointId(), 0), dp));
            return out;
        });
    }

    /**
     * Endpoint {@code name}'s policy map; null if the endpoints map does not hold it.
     *
     * @param computed the agent's table for it now (null: the agent has none), to mark stale and missing rows
     * @param labels   identity labels by number, as the agent knows them, to name the rows' remote identities
     */
    public CompletableFuture<EndpointPolicy> policy(String name, VerdictTable computed, Map<Integer, String> labels) {
        return kernel.call(dp -> {
            EndpointRecord r = dp.endpoints().stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
            if (r == null) return null;
            List<PolicyRow> held = dp.policyRows(name);
            List<PolicyRow> wanted = computed == null ? List.of() : dp.rowsFor(computed);
            Set<PolicyRow> wantedSet = new HashSet<>(wanted);
            Set<PolicyRow> heldSet = new HashSet<>(held);
            List<EndpointPolicy.Entry> entries = new ArrayList<>();
            for (PolicyRow row : held) entries.add(entry(row, labels, dp, computed != null && !wantedSet.contains(row)));
            List<EndpointPolicy.Entry> missing = new ArrayList<>();
            for (PolicyRow row : wanted) if (!heldSet.contains(row)) missing.add(entry(row, labels, dp, false));
            return new EndpointPolicy(name, info(r, dp.policyEntries(name).size(), dp), entries, missing,
                    computed == null ? null : computed.enforced(Direction.INGRESS), computed == null ? null : computed.enforced(Direction.EGRESS));
        });
    }

    /** Counters by direction and reason, events lost, map fill levels and refused programs. */
    public CompletableFuture<DatapathStatus> status() {
        return kernel.call(dp -> {
            List<DatapathStatus.MapFill> maps = dp.fill().stream().map(f -> new DatapathStatus.MapFill(f.map(), f.entries(), f.capacity())).toList();
            List<String> refused = dp.refusals().keySet().stream().map(Direction::lower).toList();
            DatapathCounters c = kernel.counters();
            List<DatapathStatus.Counter> counters = new ArrayList<>();
            for (Direction d : Direction.values()) {
                c.all(d).forEach((reason, n) -> counters.add(new DatapathStatus.Counter(d.lower(), reasonName(reason), n.packets(), n.bytes())));
            }
            return new DatapathStatus(dp.pinRoot().toString(), counters, c.eventsLost(), maps, refused);
        });
    }

    /** {@code POLICY_DEFAULT_DENY} as the wire and the lab name it: {@code policy-default-deny}. */
    public static String reasonName(FlowReason r) {
        return r.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static DatapathInfo info(EndpointRecord r, int entries, Datapath dp) {
        List<String> locked = new ArrayList<>();
        for (Direction d : Direction.values()) if (r.locked(d)) locked.add(d.lower());
        return new DatapathInfo(true, r.endpointId(), r.veth(), r.ifindex(), r.identity(), r.enforced(Direction.INGRESS), r.enforced(Direction.EGRESS),
                locked, entries, dp.config().policyEntries());
    }

    private static EndpointPolicy.Entry entry(PolicyRow row, Map<Integer, String> labels, Datapath dp, boolean stale) {
        List<String> rules = new ArrayList<>();
        for (List<RuleRef> refs : dp.cookies().rulesOf(row.cookie())) for (RuleRef ref : refs) rules.add(ref.toString());
        return new EndpointPolicy.Entry(row.direction().lower(), row.remoteId(), labels.get(row.remoteId()), row.protocol().name(),
                row.low(), row.high(), row.verdict().name().toLowerCase(Locale.ROOT), row.proxyPort(), Integer.toHexString(row.cookie()),
                rules, stale);
    }
}
