package dev.ward.bpf.plan;

import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.maps.PortPrefix;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.TableDelta;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Direction;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Turns the policy engine's output into map writes: an {@link EngineDelta} into the few writes that change
 * exactly what it changed, and a desired table against what a map holds into the writes that repair it. A
 * verdict table row becomes one policy map entry per port prefix of its range; nothing is ever rebuilt.
 */
public final class WritePlanner {
    private final RuleCookies cookies;
    private final ProxyPorts proxyPorts;

    public WritePlanner(RuleCookies cookies, ProxyPorts proxyPorts) {
        this.cookies = cookies;
        this.proxyPorts = proxyPorts;
    }

    /** The map value of a row: its verdict, its redirect's proxy port, the cookie of the rules that decided. */
    public PolicyValue valueOf(String endpoint, VerdictEntry row) {
        Verdict v = row.verdict();
        int port = v.kind() == Verdict.Kind.REDIRECT ? proxyPorts.portFor(endpoint, row.direction(), v.l7Type()) : 0;
        return new PolicyValue(v.kind(), port, cookies.cookieFor(v.rules()));
    }

    /** The policy map keys a row's range is written under. */
    public static List<PolicyKey> keysOf(VerdictEntry.Key row) {
        List<PolicyKey> out = new ArrayList<>();
        for (PortPrefix p : PortPrefix.cover(row.low(), row.high())) {
            out.add(new PolicyKey(row.remoteId(), row.direction(), row.protocol(), p));
        }
        return out;
    }

    /** Every entry of a table as the policy map must hold it. */
    public Map<PolicyKey, PolicyValue> entriesOf(VerdictTable table) {
        Map<PolicyKey, PolicyValue> out = new LinkedHashMap<>();
        for (VerdictEntry row : table.entries()) {
            PolicyValue v = valueOf(table.endpoint(), row);
            for (PolicyKey k : keysOf(row.key())) out.put(k, v);
        }
        return out;
    }

    /**
     * The writes of one engine change, for the endpoints {@code attached} accepts (others have no map yet; their
     * whole table is written when they attach). {@code prefixesOf} gives the ipcache prefixes an identity that
     * goes away was written under.
     */
    public WritePlan plan(EngineDelta delta, Predicate<String> attached, IntFunction<List<IpPrefix>> prefixesOf) {
        WritePlan plan = new WritePlan();
        for (TableDelta td : delta.tables().values()) {
            if (attached.test(td.endpoint())) planTable(td, plan);
        }
        Set<IpPrefix> upserted = new HashSet<>();
        for (Identity id : delta.identitiesAdded()) {
            if (id.prefix() == null) continue;
            IpPrefix p = new IpPrefix(id.prefix().address(), id.prefix().prefixLength());
            upserted.add(p);
            plan.add(WritePhase.IPCACHE_UPSERTS, new MapWrite.IpCacheUpsert(p, id.id()));
        }
        for (int id : delta.identitiesRemoved()) {
            for (IpPrefix p : prefixesOf.apply(id)) {
                // The prefix was handed to another identity in the same change: the upsert already moved it.
                if (!upserted.contains(p)) plan.add(WritePhase.IPCACHE_DELETES, new MapWrite.IpCacheDelete(p));
            }
        }
        return plan;
    }

    private void planTable(TableDelta td, WritePlan plan) {
        String ep = td.endpoint();
        Set<PolicyKey> written = new HashSet<>();
        for (VerdictEntry row : td.upserts()) {
            PolicyValue v = valueOf(ep, row);
            for (PolicyKey k : keysOf(row.key())) {
                written.add(k);
                plan.add(upsertPhase(k), new MapWrite.PolicyUpsert(ep, k, v));
            }
        }
        for (VerdictEntry.Key removed : td.removals()) {
            for (PolicyKey k : keysOf(removed)) {
                // A prefix shared by a removed row and a new one is overwritten, not deleted and rewritten.
                if (!written.contains(k)) plan.add(deletePhase(k), new MapWrite.PolicyDelete(ep, k));
            }
        }
        if (td.ingressEnforced() != null) plan.add(WritePhase.ENFORCEMENT, new MapWrite.Enforcement(ep, Direction.INGRESS, td.ingressEnforced()));
        if (td.egressEnforced() != null) plan.add(WritePhase.ENFORCEMENT, new MapWrite.Enforcement(ep, Direction.EGRESS, td.egressEnforced()));
    }

    /**
     * The writes that turn what an endpoint's map holds ({@code current}, read back) and its enforcement into
     * {@code desired}: missing and changed entries written, stale ones deleted, in the same safe order.
     */
    public WritePlan repair(String endpoint, Map<PolicyKey, PolicyValue> current, Map<Direction, Boolean> currentEnforced,
                            VerdictTable desired) {
        WritePlan plan = new WritePlan();
        Map<PolicyKey, PolicyValue> want = entriesOf(desired);
        for (Map.Entry<PolicyKey, PolicyValue> e : want.entrySet()) {
            if (!e.getValue().equals(current.get(e.getKey()))) {
                plan.add(upsertPhase(e.getKey()), new MapWrite.PolicyUpsert(endpoint, e.getKey(), e.getValue()));
            }
        }
        for (PolicyKey k : current.keySet()) {
            if (!want.containsKey(k)) plan.add(deletePhase(k), new MapWrite.PolicyDelete(endpoint, k));
        }
        for (Direction d : Direction.values()) {
            boolean on = desired.enforced(d);
            if (!Boolean.valueOf(on).equals(currentEnforced.get(d))) plan.add(WritePhase.ENFORCEMENT, new MapWrite.Enforcement(endpoint, d, on));
        }
        return plan;
    }

    /** The writes that turn the ipcache's {@code current} entries into {@code desired}. */
    public static WritePlan repairIpCache(Map<IpPrefix, Integer> current, Map<IpPrefix, Integer> desired) {
        WritePlan plan = new WritePlan();
        for (Map.Entry<IpPrefix, Integer> e : desired.entrySet()) {
            if (!e.getValue().equals(current.get(e.getKey()))) plan.add(WritePhase.IPCACHE_UPSERTS, new MapWrite.IpCacheUpsert(e.getKey(), e.getValue()));
        }
        for (IpPrefix p : current.keySet()) {
            if (!desired.containsKey(p)) plan.add(WritePhase.IPCACHE_DELETES, new MapWrite.IpCacheDelete(p));
        }
        return plan;
    }

    /** Plans merged into one: each phase of every part before the next phase of any. */
    public static WritePlan merge(List<WritePlan> parts) {
        WritePlan out = new WritePlan();
        for (WritePhase p : WritePhase.values()) for (WritePlan part : parts) for (MapWrite w : part.phase(p)) out.add(p, w);
        return out;
    }

    static WritePhase upsertPhase(PolicyKey k) {
        return k.identity() == IdentityNumbers.ANY ? WritePhase.UPSERT_ANY_ROWS : WritePhase.UPSERT_IDENTITY_ROWS;
    }

    static WritePhase deletePhase(PolicyKey k) {
        return k.identity() == IdentityNumbers.ANY ? WritePhase.DELETE_ANY_ROWS : WritePhase.DELETE_IDENTITY_ROWS;
    }
}
