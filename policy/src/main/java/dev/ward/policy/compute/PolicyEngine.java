package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.LocalIdentityAllocator;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.FqdnPattern;
import dev.ward.policy.model.Peer;
import dev.ward.policy.model.PeerRule;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.RuleRef;
import dev.ward.policy.model.ServiceDefinition;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The node's policy engine: policies, identities, services and local endpoints in; a verdict table per endpoint
 * and, for every change, the delta the datapath must write. Each change recomputes only the rows it can affect:
 * a policy change the endpoints its rules select (and within them the identities its peers match), a new identity
 * or DNS answer the rows for that one identity in the endpoints whose selections now match it.
 *
 * <p>Not thread-safe: the agent feeds it from one event loop, as Cilium's policy repository is fed.
 */
public final class PolicyEngine {
    private final String clusterName;
    private final Map<PolicyKey, Policy> policies = new TreeMap<>();
    private final Map<Integer, Identity> identities = new HashMap<>();
    private final Map<String, ServiceDefinition> services = new HashMap<>();
    private Map<String, Set<NamedPort>> clusterNamedPorts = Map.of();
    private final PeerMatcher matcher;
    private final SelectorCache cache;
    private final LocalIdentityAllocator locals = new LocalIdentityAllocator();
    private final Map<Cidr, Set<String>> fqdnNamesByAddress = new HashMap<>();
    private final Map<String, EndpointPolicy> endpoints = new TreeMap<>();
    private final Map<Selection, Set<String>> selectionUsers = new HashMap<>();
    /** The endpoints each policy selects, so a policy change skips the others without a lookup. */
    private final Map<PolicyKey, Set<String>> selectedBy = new HashMap<>();
    private final VerdictInterner verdicts = new VerdictInterner();

    public PolicyEngine(String clusterName) {
        this.clusterName = clusterName;
        this.matcher = new PeerMatcher(clusterName, services);
        for (ReservedIdentity r : ReservedIdentity.values()) identities.put(r.id(), r.identity());
        this.cache = new SelectorCache(matcher, identities);
        this.cacheMembership = cache::members;
    }

    public String clusterName() {
        return clusterName;
    }

    // ---- inputs ------------------------------------------------------------------------------------------

    /**
     * Adds or replaces a policy. Rejected (and not applied, the previous version staying in force) when it would
     * put L7 rules of different types on one port of an endpoint.
     */
    public EngineDelta upsertPolicy(Policy policy) {
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        Policy old = policies.get(policy.key());
        List<String> conflicts = newConflicts(policy);
        if (!conflicts.isEmpty()) {
            ch.rejected.add(policy.key() + " rejected: " + String.join("; ", conflicts));
            return ch.finish();
        }
        List<Cidr> newPrefixes = prefixes(policy);
        for (Cidr c : newPrefixes) acquirePrefix(c, ch);
        policies.put(policy.key(), policy);
        policyChanged(policy.key(), old, policy, ch);
        if (old != null) for (Cidr c : prefixes(old)) releasePrefix(c, ch);
        return ch.finish();
    }

    public EngineDelta deletePolicy(PolicyKey key) {
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        Policy old = policies.remove(key);
        if (old == null) return ch.finish();
        policyChanged(key, old, null, ch);
        for (Cidr c : prefixes(old)) releasePrefix(c, ch);
        return ch.finish();
    }

    /** A cluster identity (learned from the store or allocated here) appeared or changed. */
    public EngineDelta upsertIdentity(Identity identity) {
        if (IdentityNumbers.isNodeLocal(identity.id())) {
            throw new IllegalArgumentException("node-local identities come from CIDRs and DNS answers, not from outside");
        }
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        applyIdentity(identity.id(), identity, ch);
        return ch.finish();
    }

    public EngineDelta removeIdentity(int id) {
        if (IdentityNumbers.isReserved(id)) throw new IllegalArgumentException("reserved identities cannot be removed");
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        if (identities.containsKey(id)) applyIdentity(id, null, ch);
        return ch.finish();
    }

    /** The DNS proxy saw {@code name} resolve to {@code addresses}: those addresses now match its toFQDNs selectors. */
    public EngineDelta learnFqdn(String name, Collection<InetAddress> addresses) {
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        String n = FqdnPattern.normalize(name);
        for (InetAddress a : addresses) {
            Cidr host = Cidr.host(a);
            Set<String> names = fqdnNamesByAddress.get(host);
            if (names == null) {
                names = new TreeSet<>();
                fqdnNamesByAddress.put(host, names);
                acquirePrefix(host, ch);
            }
            if (names.add(n)) refreshLocal(host, ch);
        }
        return ch.finish();
    }

    /** A DNS answer expired: {@code address} no longer stands for {@code name}. */
    public EngineDelta forgetFqdn(String name, InetAddress address) {
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        Cidr host = Cidr.host(address);
        Set<String> names = fqdnNamesByAddress.get(host);
        if (names == null || !names.remove(FqdnPattern.normalize(name))) return ch.finish();
        if (names.isEmpty()) fqdnNamesByAddress.remove(host);
        if (locals.get(host) != null) refreshLocal(host, ch);
        if (names.isEmpty()) releasePrefix(host, ch);
        return ch.finish();
    }

    public EngineDelta upsertEndpoint(LocalEndpoint endpoint) {
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        EndpointPolicy old = endpoints.get(endpoint.name());
        if (old != null) {
            if (old.endpoint.equals(endpoint)) return ch.finish();
            dropEndpoint(old, ch);
        }
        EndpointPolicy ep = new EndpointPolicy(endpoint, verdicts);
        for (Policy p : policies.values()) {
            List<Rule> sel = selectingRules(p, ep);
            if (!sel.isEmpty()) {
                ep.selecting.put(p.key(), sel);
                selectedBy.computeIfAbsent(p.key(), k -> new HashSet<>()).add(endpoint.name());
            }
        }
        endpoints.put(endpoint.name(), ep);
        ch.touchAll(ep);
        setContributions(ep, RuleCompiler.compile(ep.selectingRules(), endpoint, clusterNamedPorts));
        ep.rebuildAll(cacheMembership());
        ch.fresh(ep);
        return ch.finish();
    }

    public EngineDelta removeEndpoint(String name) {
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        EndpointPolicy ep = endpoints.get(name);
        if (ep != null) dropEndpoint(ep, ch);
        return ch.finish();
    }

    /** A Kubernetes service appeared or changed: toServices selections re-resolve. */
    public EngineDelta upsertService(ServiceDefinition svc) {
        services.put(svc.namespace() + "/" + svc.name(), svc);
        return reresolveServices();
    }

    public EngineDelta removeService(String namespace, String name) {
        services.remove(namespace + "/" + name);
        return reresolveServices();
    }

    /** Named ports of the cluster's pods, which egress rules with named ports resolve against. */
    public EngineDelta setClusterNamedPorts(Map<String, Set<NamedPort>> namedPorts) {
        clusterNamedPorts = Map.copyOf(namedPorts);
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        for (EndpointPolicy ep : endpoints.values()) recompile(ep, ch);
        return ch.finish();
    }

    // ---- outputs -----------------------------------------------------------------------------------------

    public VerdictTable table(String endpoint) {
        EndpointPolicy ep = endpoints.get(endpoint);
        if (ep == null) throw new IllegalArgumentException("no endpoint " + endpoint);
        return ep.table();
    }

    /**
     * The endpoint's table computed from nothing: every rule, every identity, no cache and no incremental state.
     * The reference the incremental result must equal, and the benchmark's peer.
     */
    public VerdictTable recomputeFromScratch(String endpoint) {
        EndpointPolicy current = endpoints.get(endpoint);
        if (current == null) throw new IllegalArgumentException("no endpoint " + endpoint);
        EndpointPolicy fresh = new EndpointPolicy(current.endpoint, new VerdictInterner());
        for (Policy p : policies.values()) {
            List<Rule> sel = selectingRules(p, fresh);
            if (!sel.isEmpty()) fresh.selecting.put(p.key(), sel);
        }
        fresh.setContributions(RuleCompiler.compile(fresh.selectingRules(), current.endpoint, clusterNamedPorts));
        Map<Selection, IntSet> members = new HashMap<>();
        for (Selection s : fresh.selections()) {
            IntSet set = new IntSet();
            for (Identity id : identities.values()) if (matcher.matches(s, id)) set.add(id.id());
            members.put(s, set);
        }
        fresh.rebuildAll(members::get);
        return fresh.table();
    }

    public Collection<String> endpointNames() {
        return List.copyOf(endpoints.keySet());
    }

    public Identity identity(int id) {
        return identities.get(id);
    }

    public Collection<Identity> identities() {
        return List.copyOf(identities.values());
    }

    public Collection<Policy> policies() {
        return List.copyOf(policies.values());
    }

    /** The identity the datapath gives a remote address: the longest node-local prefix holding it, else world. */
    public Identity identityForAddress(InetAddress address) {
        Cidr host = Cidr.host(address);
        Identity best = null;
        for (Identity id : identities.values()) {
            if (id.prefix() != null && id.prefix().contains(host)
                    && (best == null || id.prefix().prefixLength() > best.prefix().prefixLength())) {
                best = id;
            }
        }
        return best != null ? best : ReservedIdentity.WORLD.identity();
    }

    public int cachedSelections() {
        return cache.size();
    }

    // ---- internals ---------------------------------------------------------------------------------------

    private final Membership cacheMembership;

    private Membership cacheMembership() {
        return cacheMembership;
    }

    private List<Rule> selectingRules(Policy p, EndpointPolicy ep) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : p.rules()) if (RuleCompiler.selects(r, ep.endpoint, ep.host)) out.add(r);
        return out;
    }

    private void policyChanged(PolicyKey key, Policy old, Policy now, DeltaRecorder ch) {
        Set<String> was = selectedBy.getOrDefault(key, Set.of());
        Set<String> is = new HashSet<>();
        for (EndpointPolicy ep : endpoints.values()) {
            List<Rule> after = now == null ? List.of() : selectingRules(now, ep);
            if (!after.isEmpty()) is.add(ep.name());
            if (after.isEmpty() && !was.contains(ep.name())) continue;
            List<Rule> before = was.contains(ep.name()) ? ep.selecting.getOrDefault(key, List.of()) : List.of();
            if (before.equals(after)) continue;
            if (after.isEmpty()) ep.selecting.remove(key);
            else ep.selecting.put(key, after);
            recompile(ep, ch);
        }
        if (is.isEmpty()) selectedBy.remove(key);
        else selectedBy.put(key, is);
    }

    /** Recompiles an endpoint's contributions and rebuilds exactly the rows whose inputs changed. */
    private void recompile(EndpointPolicy ep, DeltaRecorder ch) {
        List<Contribution> before = ep.contributions();
        List<Contribution> after = RuleCompiler.compile(ep.selectingRules(), ep.endpoint, clusterNamedPorts);
        Map<Direction, List<RuleRef>> enforcingBefore = ep.enforcing();
        ConflictIndex conflictsBefore = ep.conflicts();
        Set<Contribution> b = new HashSet<>(before);
        Set<Contribution> a = new HashSet<>(after);
        if (a.equals(b) && enforcingBefore.equals(enforcingFor(ep))) return;
        ch.touchEnforcement(ep);
        List<Selection> released = setContributions(ep, after);
        boolean everything = !new HashSet<>(ep.wildcard()).equals(wildcardOf(before))
                || !ep.conflicts().all().equals(conflictsBefore.all());
        IntSet ids = new IntSet();
        boolean anyRow = everything;
        if (everything) {
            for (int id : ep.rows.keys()) if (id != IdentityNumbers.ANY) ids.add(id);
            for (Selection s : ep.selections()) cache.members(s).forEach(ids::add);
        } else {
            Set<Selection> changed = new HashSet<>();
            for (Contribution c : b) if (!a.contains(c)) changed.add(c.selection());
            for (Contribution c : a) if (!b.contains(c)) changed.add(c.selection());
            for (Selection s : changed) cache.members(s).forEach(ids::add);
        }
        Membership m = cacheMembership();
        if (anyRow) {
            ch.rebuilt(ep, IdentityNumbers.ANY, ep.rebuild(IdentityNumbers.ANY, m));
        }
        int[] batch = ids.toSortedArray();
        List<List<VerdictEntry>> previous = ep.rebuild(batch, m);
        for (int i = 0; i < batch.length; i++) ch.rebuilt(ep, batch[i], previous.get(i));
        for (Selection s : released) releaseSelection(s, ep.name());
    }

    private Map<Direction, List<RuleRef>> enforcingFor(EndpointPolicy ep) {
        Map<Direction, List<RuleRef>> enf = new java.util.EnumMap<>(Direction.class);
        for (Direction d : Direction.values()) {
            List<RuleRef> refs = new ArrayList<>();
            for (Rule r : ep.selectingRules()) if (r.enforces(d)) refs.add(r.ref());
            enf.put(d, refs);
        }
        return enf;
    }

    private static Set<Contribution> wildcardOf(List<Contribution> cs) {
        Set<Contribution> out = new HashSet<>();
        for (Contribution c : cs) if (c.selection().wildcard()) out.add(c);
        return out;
    }

    /**
     * Installs contributions, retaining the selections the endpoint did not use before. Returns the selections it
     * no longer uses, for the caller to release once it has read their members.
     */
    private List<Selection> setContributions(EndpointPolicy ep, List<Contribution> cs) {
        Set<Selection> before = ep.selections();
        ep.setContributions(cs);
        Set<Selection> after = ep.selections();
        for (Selection s : after) {
            if (before.contains(s)) continue;
            cache.retain(s);
            selectionUsers.computeIfAbsent(s, k -> new HashSet<>()).add(ep.name());
        }
        List<Selection> unused = new ArrayList<>();
        for (Selection s : before) if (!after.contains(s)) unused.add(s);
        return unused;
    }

    private void releaseSelection(Selection s, String endpoint) {
        cache.release(s);
        Set<String> users = selectionUsers.get(s);
        EndpointPolicy ep = endpoints.get(endpoint);
        if (users != null && (ep == null || !ep.selections().contains(s))) {
            users.remove(endpoint);
            if (users.isEmpty()) selectionUsers.remove(s);
        }
    }

    private void dropEndpoint(EndpointPolicy ep, DeltaRecorder ch) {
        ch.touchAll(ep);
        ch.touchEnforcement(ep);
        endpoints.remove(ep.name());
        for (PolicyKey k : ep.selecting.keySet()) {
            Set<String> eps = selectedBy.get(k);
            if (eps != null) {
                eps.remove(ep.name());
                if (eps.isEmpty()) selectedBy.remove(k);
            }
        }
        for (Selection s : ep.selections()) releaseSelection(s, ep.name());
        ep.rows.clear();
        ch.dropped.add(ep.name());
    }

    private void applyIdentity(int id, Identity identity, DeltaRecorder ch) {
        Identity before = identity == null ? identities.remove(id) : identities.put(id, identity);
        Set<String> affected = new LinkedHashSet<>();
        for (Selection s : cache.identityChanged(id, before, identity)) {
            affected.addAll(selectionUsers.getOrDefault(s, Set.of()));
        }
        Membership m = cacheMembership();
        for (String name : affected) {
            EndpointPolicy ep = endpoints.get(name);
            ch.rebuilt(ep, id, ep.rebuild(id, m));
        }
        if (identity == null) {
            // Rows for an identity nobody selects any more (its selections all lost it) are gone by now.
            for (EndpointPolicy ep : endpoints.values()) {
                if (ep.rows.containsKey(id)) {
                    ch.rebuilt(ep, id, ep.rebuild(id, m));
                }
            }
        }
    }

    private EngineDelta reresolveServices() {
        DeltaRecorder ch = new DeltaRecorder(endpoints::get);
        Map<Selection, Set<Integer>> changed = cache.reresolve(s -> s.peer() instanceof Peer.Service);
        Membership m = cacheMembership();
        for (Map.Entry<Selection, Set<Integer>> e : changed.entrySet()) {
            for (String name : selectionUsers.getOrDefault(e.getKey(), Set.of())) {
                EndpointPolicy ep = endpoints.get(name);
                for (int id : e.getValue()) {
                    ch.rebuilt(ep, id, ep.rebuild(id, m));
                }
            }
        }
        return ch.finish();
    }

    private void acquirePrefix(Cidr prefix, DeltaRecorder ch) {
        boolean isNew = locals.get(prefix) == null;
        Identity id = locals.acquire(prefix);
        if (isNew) {
            ch.added.add(id);
            applyIdentity(id.id(), withNames(id), ch);
        }
    }

    private void releasePrefix(Cidr prefix, DeltaRecorder ch) {
        Identity id = locals.get(prefix);
        if (locals.release(prefix)) {
            ch.removed.add(id.id());
            applyIdentity(id.id(), null, ch);
        }
    }

    private void refreshLocal(Cidr host, DeltaRecorder ch) {
        Identity id = withNames(locals.get(host));
        locals.update(id);
        applyIdentity(id.id(), id, ch);
    }

    private Identity withNames(Identity id) {
        Set<String> names = fqdnNamesByAddress.get(id.prefix());
        return id.withFqdnNames(names == null ? Set.of() : names);
    }

    private static List<Cidr> prefixes(Policy p) {
        List<Cidr> out = new ArrayList<>();
        for (Rule r : p.rules()) {
            for (PeerRule pr : r.peerRules()) {
                for (Peer peer : pr.peers()) {
                    if (peer instanceof Peer.Cidrs c) {
                        out.add(c.cidr());
                        out.addAll(c.except());
                    }
                }
            }
        }
        return out;
    }

    /** L7 type conflicts the policy would introduce on the endpoints it selects (dry run, no state changed). */
    private List<String> newConflicts(Policy policy) {
        List<String> out = new ArrayList<>();
        if (!hasL7(policy)) return out;
        for (EndpointPolicy ep : endpoints.values()) {
            List<Rule> sel = selectingRules(policy, ep);
            if (sel.isEmpty()) continue;
            ConflictIndex idx = ConflictIndex.of(tentativeContributions(ep, policy.key(), sel));
            for (ConflictIndex.Conflict c : idx.all()) {
                boolean involvesPolicy = c.rules().stream().anyMatch(r -> r.policy().equals(policy.key()));
                if (involvesPolicy && !ep.conflicts().all().contains(c)) out.add("endpoint " + ep.name() + " " + c);
            }
        }
        return out;
    }

    /**
     * The endpoint's contributions as they would be with {@code key}'s rules replaced by {@code sel}, in compile
     * order, for the conflict check only: it reads ports and L7 types, which other rules' requirements (the one
     * thing compiling everything again would change) never touch.
     */
    private List<Contribution> tentativeContributions(EndpointPolicy ep, PolicyKey key, List<Rule> sel) {
        List<Contribution> added = RuleCompiler.compile(sel, ep.endpoint, clusterNamedPorts);
        List<Contribution> out = new ArrayList<>();
        boolean placed = false;
        for (Contribution c : ep.contributions()) {
            int order = c.ref().policy().compareTo(key);
            if (order == 0) continue;
            if (order > 0 && !placed) {
                out.addAll(added);
                placed = true;
            }
            out.add(c);
        }
        if (!placed) out.addAll(added);
        return out;
    }

    private static boolean hasL7(Policy p) {
        for (Rule r : p.rules()) {
            for (PeerRule pr : r.peerRules()) {
                for (var port : pr.toPorts()) if (port.rules() != null) return true;
            }
        }
        return false;
    }
}
