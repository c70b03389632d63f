package dev.ward.bpf.datapath;

import dev.ward.bpf.events.DatapathCounters;
import dev.ward.bpf.events.FlowEventReader;
import dev.ward.bpf.load.BpfFilesystem;
import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.load.VerifierRejectedException;
import dev.ward.bpf.maps.EndpointValue;
import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.bpf.maps.IpCacheValue;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.plan.RuleCookies;
import dev.ward.bpf.proxy.ProxyRouting;
import dev.ward.bpf.plan.WritePlan;
import dev.ward.bpf.plan.WritePlanner;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.model.Direction;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's endpoint datapath: the tc programs on every pod's host-side veth and the maps they enforce, all
 * pinned under one root so they outlive this process. Opening reuses whatever an earlier process pinned and
 * moves every known endpoint onto the newly loaded programs (an atomic filter replacement); the caller then
 * {@link #reconcile}s against the tables it computes. Until then the pinned maps keep enforcing what they
 * held, so there is never a window of open policy.
 *
 * <p>Not thread-safe: the agent drives it from one loop. {@link #openEventReader()} and {@link #counters()}
 * read independently.
 */
public final class Datapath implements AutoCloseable {
    private final DatapathConfig config;
    private final LoadedPrograms programs;
    private final PolicyRevision revision;
    private final BpfMap endpointsMap;
    private final BpfMap outerPolicy;
    private final BpfMap ipcacheMap;
    private final BpfMap conntrack;
    private final ProxyStandby standby;
    private final EndpointTable endpoints;
    private final PolicyMaps policies;
    private final IpCache ipcache;
    private final TcHooks hooks;
    private final RuleCookies cookies = new RuleCookies();
    private final WritePlanner planner;
    private final PlanExecutor executor;
    private final List<EndpointDatapathException> openProblems = new ArrayList<>();

    private Datapath(DatapathConfig config, LoadedPrograms programs) {
        this.config = config;
        this.programs = programs;
        this.revision = new PolicyRevision(BpfMap.borrowed(programs.object.mapFd("ward_revision"), "ward_revision", 4, PolicyRevision.VALUE_SIZE));
        this.endpointsMap = BpfMap.borrowed(programs.object.mapFd("ward_endpoints"), "ward_endpoints", 4, EndpointValue.SIZE)
                .afterEachWrite(revision::bump);
        this.outerPolicy = BpfMap.borrowed(programs.object.mapFd("ward_policy"), "ward_policy", 4, 4).afterEachWrite(revision::bump);
        this.ipcacheMap = BpfMap.borrowed(programs.object.mapFd("ward_ipcache"), "ward_ipcache", IpCacheKey.SIZE, IpCacheValue.SIZE)
                .afterEachWrite(revision::bump);
        this.conntrack = BpfMap.borrowed(programs.object.mapFd("ward_ct"), "ward_ct", ConntrackEntry.KEY_SIZE, ConntrackEntry.VALUE_SIZE);
        this.standby = new ProxyStandby(ProxyStandby.borrowed(programs.object.mapFd(ProxyStandby.MAP)));
        this.endpoints = new EndpointTable(endpointsMap, config.maxEndpoints());
        this.policies = new PolicyMaps(outerPolicy, config.pinRoot(), config.policyEntries(), revision::bump);
        this.ipcache = new IpCache(ipcacheMap);
        this.hooks = new TcHooks(config.netns());
        this.planner = new WritePlanner(cookies, config.proxyPorts());
        this.executor = new PlanExecutor(endpoints, policies, ipcache, d -> programs.refusal(d) != null);
    }

    /**
     * Loads the programs (a refused one is served by a drop-all program and named in {@link #refusals()}),
     * creates or reuses the pinned maps under {@code config.pinRoot()}, and re-attaches every endpoint the
     * endpoints map knows to the loaded programs.
     */
    public static Datapath open(DatapathConfig config) {
        if (config.pinRoot().startsWith(BpfFilesystem.DEFAULT_MOUNT)) BpfFilesystem.mount(BpfFilesystem.DEFAULT_MOUNT);
        BpfFilesystem.pinRoot(config.pinRoot());
        LoadedPrograms programs = LoadedPrograms.load(config);
        Datapath dp;
        try {
            programs.pinPrograms(config.pinRoot());
            dp = new Datapath(config, programs);
        } catch (RuntimeException e) {
            programs.close();
            throw e;
        }
        try {
            if (config.proxyRouteTable() > 0) ProxyRouting.install(config.netns(), config.proxyRouteTable(), config.proxyRulePriority());
            dp.reattachKnownEndpoints();
        } catch (RuntimeException e) {
            dp.close();
            throw e;
        }
        return dp;
    }

    /**
     * Endpoints pinned by an earlier process move to this process's programs. One whose veth is gone is
     * locked and reported in {@link #openProblems()}; an endpoint whose direction's program this process could
     * not load keeps the program it had (verified and enforcing the same maps) rather than lose traffic.
     */
    private void reattachKnownEndpoints() {
        Map<Integer, String> links = hooks.links();
        for (EndpointRecord r : endpoints.all()) {
            if (!r.veth().equals(links.get(r.ifindex()))) {
                lockAll(r);
                openProblems.add(new VethGoneException(r.name(), r.veth(), r.ifindex(), config.netns(), EnumSet.allOf(Direction.class)));
                continue;
            }
            for (Direction d : Direction.values()) {
                if (programs.refusal(d) == null || hooks.attachedProgramId(r.ifindex(), d) == 0) {
                    hooks.attach(r.ifindex(), d, programs.attachFd(d));
                }
            }
        }
    }

    public DatapathConfig config() {
        return config;
    }

    public IpCache ipcache() {
        return ipcache;
    }

    public RuleCookies cookies() {
        return cookies;
    }

    /** The programs the verifier refused when this datapath was opened, by the direction they serve. */
    public Map<Direction, VerifierRejectedException> refusals() {
        return programs.refusals();
    }

    /** What opening found wrong with endpoints an earlier process left (each left failed closed). */
    public List<EndpointDatapathException> openProblems() {
        return List.copyOf(openProblems);
    }

    // ---- endpoints ----------------------------------------------------------------------------------------

    /**
     * Puts endpoint {@code name} (security identity {@code identity}) on {@code veth} with {@code table}. The
     * endpoint is enforced from its first packet: its entry is written locked (dropping everything), the
     * programs are attached, its table is written, and only then is the lock lifted. On failure nothing of it
     * is left when the veth does not exist, and otherwise it stays locked in the directions that failed; both
     * throw an {@link EndpointDatapathException} naming it.
     */
    public EndpointRecord attach(String name, String veth, int identity, VerdictTable table) {
        EndpointRecord existing = endpoints.get(name);
        int ifindex = hooks.ifindexOf(veth);
        if (ifindex < 0) throw new VethGoneException(name, veth, -1, config.netns(), Set.of());
        for (EndpointRecord other : endpoints.all()) {
            if (other.ifindex() == ifindex && !other.name().equals(name)) {
                throw new EndpointDatapathException(name, Set.of(), "veth " + veth + " already carries endpoint " + other.name()
                        + " (detach it first)", null);
            }
        }
        if (existing != null) {
            if (existing.ifindex() == ifindex && existing.veth().equals(veth)) {
                if (existing.identity() != identity) endpoints.put(existing.withIdentity(identity));
                reconcileEndpoint(endpoints.get(name), table).orThrow();
                return endpoints.get(name);
            }
            detach(name);
        }
        int id = endpoints.allocateId();
        int locked = EndpointValue.LOCK_INGRESS | EndpointValue.LOCK_EGRESS;
        EndpointRecord r = new EndpointRecord(name, id, ifindex, veth, identity, locked);
        r.value(); // validates the name and veth lengths before anything is written
        policies.create(id);
        try {
            endpoints.put(r);
            for (Direction d : Direction.values()) hooks.attach(ifindex, d, programs.attachFd(d));
        } catch (RuntimeException e) {
            rollBack(r);
            if (hooks.ifindexOf(veth) != ifindex) throw new VethGoneException(name, veth, ifindex, config.netns(), Set.of());
            throw new EndpointDatapathException(name, Set.of(), "cannot attach to veth " + veth + ": " + e.getMessage(), e);
        }
        ApplyResult written = reconcileEndpoint(r, table);
        EndpointRecord now = endpoints.get(name);
        if (!written.ok()) written.orThrow();
        for (Direction d : Direction.values()) {
            VerifierRejectedException refused = programs.refusal(d);
            if (refused != null) throw new ProgramRefusedException(name, EnumSet.of(d), refused);
        }
        return now;
    }

    private void rollBack(EndpointRecord r) {
        for (Direction d : Direction.values()) hooks.detach(r.ifindex(), d);
        if (endpoints.get(r.name()) != null) endpoints.remove(r);
        policies.remove(r.endpointId());
    }

    /**
     * Takes endpoint {@code name} off its veth: filters first (no packet meets a half-removed endpoint), then
     * its entry, its policy map and its conntrack entries.
     */
    public void detach(String name) {
        EndpointRecord r = endpoints.get(name);
        if (r == null) return;
        for (Direction d : Direction.values()) hooks.detach(r.ifindex(), d);
        endpoints.remove(r);
        policies.remove(r.endpointId());
        ConntrackEntry.purge(conntrack, r.endpointId());
    }

    /** Every endpoint the endpoints map holds, read back from the kernel. */
    public List<EndpointRecord> endpoints() {
        return endpoints.readBack();
    }

    public EndpointRecord endpoint(String name) {
        return endpoints.get(name);
    }

    // ---- policy ---------------------------------------------------------------------------------------------

    /**
     * Writes one engine change: the minimal writes, in the order that keeps every lookup on the old or the new
     * verdict (see {@link dev.ward.bpf.plan.WritePhase}). Endpoints not attached are skipped (their whole table
     * is written when they attach); an endpoint whose veth is gone fails closed without a write.
     */
    public ApplyResult apply(EngineDelta delta) {
        WritePlan plan = planner.plan(delta, n -> endpoints.get(n) != null, ipcache::prefixesOf);
        return executor.execute(plan, vethsGone(plan), Set.of());
    }

    /** The plan {@link #apply} would execute, without executing it. */
    public WritePlan plan(EngineDelta delta) {
        return planner.plan(delta, n -> endpoints.get(n) != null, ipcache::prefixesOf);
    }

    /**
     * Makes the maps hold exactly {@code tables} (by endpoint name) and, when {@code ipcacheEntries} is not
     * null, exactly those ipcache entries: reads each map back, writes what is missing or different, deletes
     * what is stale, in the same safe order as {@link #apply}. An endpoint that failed before and is repaired
     * here is unlocked. Attached endpoints without a table are left alone (and listed in the report). The endpoints
     * map itself is first brought back to what this process wrote: an entry changed behind its back is rewritten,
     * one it never wrote deleted (that veth then drops everything as an unknown endpoint).
     */
    public ReconcileReport reconcile(Map<String, VerdictTable> tables, Map<IpPrefix, Integer> ipcacheEntries) {
        int endpointWrites = endpoints.repair();
        List<WritePlan> parts = new ArrayList<>();
        Map<String, Integer> perEndpoint = new LinkedHashMap<>();
        Set<String> repaired = new HashSet<>();
        List<String> unknown = new ArrayList<>();
        for (EndpointRecord r : endpoints.all()) {
            VerdictTable t = tables.get(r.name());
            if (t == null) {
                unknown.add(r.name());
                continue;
            }
            WritePlan p = planner.repair(r.name(), policies.read(r.endpointId()), enforcement(r), t);
            perEndpoint.put(r.name(), p.size());
            parts.add(p);
            repaired.add(r.name());
        }
        if (ipcacheEntries != null) parts.add(WritePlanner.repairIpCache(ipcache.entries(), ipcacheEntries));
        WritePlan plan = WritePlanner.merge(parts);
        ApplyResult executed = executor.execute(plan, vethsGone(plan, repaired), repaired);
        ApplyResult result = new ApplyResult(executed.writes() + endpointWrites, executed.syscalls() + endpointWrites, executed.nanos(),
                executed.failures(), executed.ipcacheFailures(), executed.recoveredUnderLock());
        List<String> missing = new ArrayList<>();
        for (String n : tables.keySet()) if (endpoints.get(n) == null) missing.add(n);
        return new ReconcileReport(result, perEndpoint, unknown, missing);
    }

    private ApplyResult reconcileEndpoint(EndpointRecord r, VerdictTable table) {
        WritePlan p = planner.repair(r.name(), policies.read(r.endpointId()), enforcement(r), table);
        return executor.execute(p, Map.of(), Set.of(r.name()));
    }

    private static Map<Direction, Boolean> enforcement(EndpointRecord r) {
        Map<Direction, Boolean> m = new EnumMap<>(Direction.class);
        for (Direction d : Direction.values()) m.put(d, r.enforced(d));
        return m;
    }

    private Map<String, EndpointDatapathException> vethsGone(WritePlan plan) {
        return vethsGone(plan, Set.of());
    }

    /** Endpoints the plan writes to whose veth is gone: locked and reported, their writes skipped. */
    private Map<String, EndpointDatapathException> vethsGone(WritePlan plan, Set<String> also) {
        Set<String> names = new HashSet<>(also);
        for (var w : plan.writes()) {
            switch (w) {
                case dev.ward.bpf.plan.MapWrite.PolicyUpsert u -> names.add(u.endpoint());
                case dev.ward.bpf.plan.MapWrite.PolicyDelete d -> names.add(d.endpoint());
                case dev.ward.bpf.plan.MapWrite.Enforcement f -> names.add(f.endpoint());
                default -> { }
            }
        }
        Map<String, EndpointDatapathException> out = new HashMap<>();
        if (names.isEmpty()) return out;
        // A few endpoints (a rule change): one query each; many (a reconcile): one dump.
        Map<Integer, String> links = names.size() > 8 ? hooks.links() : null;
        for (String n : names) {
            EndpointRecord r = endpoints.get(n);
            if (r == null) continue;
            String name = links != null ? links.get(r.ifindex()) : hooks.linkName(r.ifindex());
            if (!r.veth().equals(name)) {
                lockAll(r);
                out.put(n, new VethGoneException(n, r.veth(), r.ifindex(), config.netns(), EnumSet.allOf(Direction.class)));
            }
        }
        return out;
    }

    private void lockAll(EndpointRecord r) {
        endpoints.put(r.withFlags(r.flags() | EndpointValue.LOCK_INGRESS | EndpointValue.LOCK_EGRESS));
    }

    /** The endpoint's policy map as the kernel holds it: one entry per port prefix. */
    public Map<PolicyKey, PolicyValue> policyEntries(String endpoint) {
        EndpointRecord r = requireEndpoint(endpoint);
        return policies.read(r.endpointId());
    }

    /** The endpoint's policy map read back and folded into rows (adjacent prefixes of one value merged). */
    public List<PolicyRow> policyRows(String endpoint) {
        return PolicyRow.fold(policyEntries(endpoint));
    }

    /**
     * The rows the endpoint's policy map must hold for {@code table}, in {@link #policyRows}' form: what a reader
     * compares the kernel's rows with to see drift.
     */
    public List<PolicyRow> rowsFor(VerdictTable table) {
        return PolicyRow.fold(planner.entriesOf(table));
    }

    private EndpointRecord requireEndpoint(String name) {
        EndpointRecord r = endpoints.get(name);
        if (r == null) throw new IllegalArgumentException("no endpoint " + name + " in the datapath");
        return r;
    }

    // ---- proxies ------------------------------------------------------------------------------------------

    /**
     * From now on a redirect to proxy port {@code port} that finds no socket there (its proxy is down) goes to the
     * socket on {@code standbyPort} instead (the standalone DNS proxy's), keeping its original destination. Pinned:
     * the entry outlives this process, which is the point.
     */
    public void setProxyStandby(int port, int standbyPort) {
        standby.set(port, standbyPort);
    }

    /** Redirects to {@code port} that find no socket are dropped again; true if it had a standby. */
    public boolean clearProxyStandby(int port) {
        return standby.clear(port);
    }

    /** The standby ports, proxy port to standby port, as the kernel map holds them. */
    public Map<Integer, Integer> proxyStandbys() {
        return standby.all();
    }

    // ---- visibility -----------------------------------------------------------------------------------------

    /**
     * Fill levels for metrics: the ipcache, the endpoints map and each endpoint's policy map (counted key by key
     * in the kernel, so this reads every policy map once).
     */
    public List<MapFill> fill() {
        List<MapFill> out = new ArrayList<>();
        out.add(new MapFill("ward_ipcache", ipcache.entries().size(), config.ipcacheEntries()));
        out.add(new MapFill("ward_endpoints", endpoints.all().size(), config.maxEndpoints()));
        for (EndpointRecord r : endpoints.all()) {
            out.add(new MapFill(PolicyMaps.pinName(r.endpointId()), policies.count(r.endpointId()), config.policyEntries()));
        }
        return out;
    }

    /** A reader of the flow event ring buffer (one reader per datapath at a time). */
    public FlowEventReader openEventReader() {
        return FlowEventReader.open(programs.object.mapFd("ward_events"));
    }

    public DatapathCounters counters() {
        return new DatapathCounters(programs.object.mapFd("ward_counters"));
    }

    /** Forgets every tracked flow: replies of flows opened before are then judged as new flows. */
    public int flushConntrack() {
        int n = 0;
        for (byte[] k : conntrack.keys()) if (conntrack.delete(k)) n++;
        return n;
    }

    /** Forgets one tracked flow, given as its first packet had it; true if it was tracked. */
    public boolean forgetFlow(String endpoint, Direction openedIn, int protocol, InetAddress source, int sourcePort,
                              InetAddress destination, int destinationPort) {
        EndpointRecord r = requireEndpoint(endpoint);
        return conntrack.delete(ConntrackEntry.key(r.endpointId(), openedIn, protocol, source, sourcePort, destination, destinationPort));
    }

    /** The conntrack entries the kernel holds (for inspection and tests; the LRU map may be large). */
    public List<ConntrackEntry> conntrack() {
        return ConntrackEntry.readAll(conntrack);
    }

    /** The fd of a direction's loaded program (for test runs), -1 if it was refused. */
    public int programFd(Direction d) {
        return programs.programFd(d);
    }

    public Path pinRoot() {
        return config.pinRoot();
    }

    /** Closes this process's handles; programs, filters and pinned maps stay in the kernel. */
    @Override
    public void close() {
        hooks.close();
        policies.close();
        programs.close();
    }
}
