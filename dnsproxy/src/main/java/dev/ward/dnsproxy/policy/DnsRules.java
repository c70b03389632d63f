package dev.ward.dnsproxy.policy;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.L7Grant;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.TableDelta;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.RuleRef;

import java.net.InetAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The proxy's view of the engine's verdict tables, for deciding queries on I/O threads without touching the engine
 * (which lives on its own thread). For each local endpoint: its addresses, its identity, and a copy of its table,
 * looked up with the datapath's own algorithm ({@link VerdictTable#lookup}) for (egress, server identity, protocol,
 * port). A REDIRECT to the dns proxy carries the DNS rules as grants; the policy module's matcher decides the name.
 *
 * <p>Copying a table costs a row per identity, and every learned address adds identities, so a table is copied again
 * only when a change touches the rows a query can reach: the wildcard row, the rows of the server identities this
 * endpoint has asked so far, or its enforcement. The first query to a server identity not yet seen hops once to the
 * engine's thread to copy the table fresh.
 *
 * <p>Mutators run on the engine's thread ({@code engineLoop}); {@link #decide} runs anywhere.
 */
public final class DnsRules {
    /** {@code table} is null while the engine does not know the endpoint yet: its queries are not decided, so refused. */
    private record EndpointView(String name, int identity, VerdictTable table, Set<Integer> seenServers) {}

    /** Verdicts compared by instance: hashing a verdict's thousand grants per query would cost more than matching. */
    private record VerdictKey(Verdict verdict) {
        @Override
        public boolean equals(Object o) {
            return o instanceof VerdictKey k && k.verdict == verdict;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(verdict);
        }
    }

    private record Index(Map<InetAddress, String> byAddress, Map<String, EndpointView> endpoints) {}

    private static final int MAX_GRANT_INDEXES = 1024;

    private final Executor engineLoop;
    private final AddressIdentities identities;
    private PolicyEngine engine;
    private final Map<String, Integer> endpointIdentity = new HashMap<>();
    private final Map<String, Set<InetAddress>> endpointAddresses = new HashMap<>();
    private volatile Index index = new Index(Map.of(), Map.of());
    /** The engine interns verdicts, so one index serves every row that carries the same rules. */
    private final Map<VerdictKey, GrantIndex> grantIndexes = new ConcurrentHashMap<>();

    public DnsRules(PolicyEngine engine, Executor engineLoop, AddressIdentities identities) {
        this.engine = engine;
        this.engineLoop = engineLoop;
        this.identities = identities;
    }

    // ---- engine thread ----------------------------------------------------------------------------------

    /** A local endpoint's identity and the addresses its DNS queries come from (its pod IPs). */
    public void setEndpoint(String name, int identity, Collection<InetAddress> addresses) {
        endpointIdentity.put(name, identity);
        endpointAddresses.put(name, Set.copyOf(addresses));
        Index old = index;
        Map<InetAddress, String> byAddress = withoutEndpoint(old.byAddress, name);
        for (InetAddress a : addresses) byAddress.put(a, name);
        Map<String, EndpointView> eps = new HashMap<>(old.endpoints);
        EndpointView before = eps.get(name);
        eps.put(name, view(name, before == null ? Set.of() : before.seenServers));
        index = new Index(Map.copyOf(byAddress), Map.copyOf(eps));
    }

    public void removeEndpoint(String name) {
        endpointIdentity.remove(name);
        endpointAddresses.remove(name);
        Index old = index;
        Map<String, EndpointView> eps = new HashMap<>(old.endpoints);
        eps.remove(name);
        index = new Index(Map.copyOf(withoutEndpoint(old.byAddress, name)), Map.copyOf(eps));
    }

    /** Call after every engine change, with its delta, before the next change. */
    public void engineChanged(EngineDelta delta) {
        Index old = index;
        Map<String, EndpointView> eps = null;
        for (Map.Entry<String, TableDelta> e : delta.tables().entrySet()) {
            EndpointView v = old.endpoints.get(e.getKey());
            if (v == null || !reaches(e.getValue(), v.seenServers)) continue;
            if (eps == null) eps = new HashMap<>(old.endpoints);
            eps.put(v.name, view(v.name, v.seenServers));
        }
        if (eps != null) publish(old.byAddress, eps);
    }

    /** The standalone proxy swaps in an engine rebuilt from a new snapshot: every table is copied again. */
    public void replaceEngine(PolicyEngine newEngine) {
        this.engine = newEngine;
        Map<String, EndpointView> eps = new HashMap<>();
        for (Map.Entry<String, EndpointView> e : index.endpoints.entrySet()) {
            eps.put(e.getKey(), view(e.getKey(), e.getValue().seenServers));
        }
        publish(index.byAddress, eps);
    }

    // ---- any thread -------------------------------------------------------------------------------------

    /** Decides a query from {@code source} to {@code server} on {@code protocol}/{@code port} for {@code qname}. */
    public CompletionStage<DnsDecision> decide(InetAddress source, InetAddress server, Protocol protocol, int port, String qname) {
        int serverId = identities.identityOf(server);
        Index idx = index;
        String name = idx.byAddress.get(source);
        if (name == null) return CompletableFuture.completedFuture(DnsDecision.unknownEndpoint(serverId));
        EndpointView v = idx.endpoints.get(name);
        if (v != null && v.seenServers.contains(serverId)) {
            return CompletableFuture.completedFuture(decide(v, serverId, protocol, port, qname));
        }
        return CompletableFuture.supplyAsync(() -> {
            EndpointView fresh = watchServer(name, serverId);
            return fresh == null ? DnsDecision.unknownEndpoint(serverId) : decide(fresh, serverId, protocol, port, qname);
        }, engineLoop);
    }

    private DnsDecision decide(EndpointView v, int serverId, Protocol protocol, int port, String qname) {
        if (v.table == null) return new DnsDecision(DnsVerdict.UNKNOWN_ENDPOINT, v.name, v.identity, serverId, null, null);
        VerdictTable.Lookup l = v.table.lookup(Direction.EGRESS, serverId, protocol, port);
        Verdict verdict = l.verdict();
        RuleRef first = verdict.rules().isEmpty() ? null : verdict.rules().getFirst();
        return switch (verdict.kind()) {
            case DENY -> new DnsDecision(DnsVerdict.DENIED, v.name, v.identity, serverId, first, null);
            case ALLOW -> new DnsDecision(DnsVerdict.ALLOWED_L4, v.name, v.identity, serverId, first, null);
            case REDIRECT -> {
                if (!"dns".equals(verdict.l7Type())) {
                    // Another proxy's rules on a port that reached the DNS proxy: nothing here admits the query.
                    yield new DnsDecision(DnsVerdict.REFUSED, v.name, v.identity, serverId, first, null);
                }
                Optional<L7Grant> g = grants(verdict).admitting(qname);
                yield g.map(grant -> new DnsDecision(DnsVerdict.ALLOWED, v.name, v.identity, serverId, grant.ref(), grant.rule().toString()))
                        .orElseGet(() -> new DnsDecision(DnsVerdict.REFUSED, v.name, v.identity, serverId, first, null));
            }
        };
    }

    private GrantIndex grants(Verdict v) {
        VerdictKey key = new VerdictKey(v);
        GrantIndex g = grantIndexes.get(key);
        if (g != null) return g;
        if (grantIndexes.size() >= MAX_GRANT_INDEXES) grantIndexes.clear();
        return grantIndexes.computeIfAbsent(key, k -> new GrantIndex(k.verdict.grants()));
    }

    // ---- internals (engine thread) ----------------------------------------------------------------------

    private EndpointView watchServer(String name, int serverId) {
        Index old = index;
        EndpointView v = old.endpoints.get(name);
        if (v == null) return null;
        if (v.seenServers.contains(serverId)) return v;
        Set<Integer> seen = new HashSet<>(v.seenServers);
        seen.add(serverId);
        EndpointView fresh = view(name, seen);
        Map<String, EndpointView> eps = new HashMap<>(old.endpoints);
        eps.put(name, fresh);
        publish(old.byAddress, eps);
        return fresh;
    }

    private EndpointView view(String name, Set<Integer> seenServers) {
        VerdictTable table = engine.endpointNames().contains(name) ? engine.table(name) : null;
        return new EndpointView(name, endpointIdentity.getOrDefault(name, 0), table, Set.copyOf(seenServers));
    }

    private void publish(Map<InetAddress, String> byAddress, Map<String, EndpointView> eps) {
        index = new Index(byAddress, Map.copyOf(eps));
    }

    private static boolean reaches(TableDelta d, Set<Integer> seen) {
        if (d.ingressEnforced() != null || d.egressEnforced() != null) return true;
        for (VerdictEntry e : d.upserts()) if (relevant(e.direction(), e.remoteId(), seen)) return true;
        for (VerdictEntry.Key k : d.removals()) if (relevant(k.direction(), k.remoteId(), seen)) return true;
        return false;
    }

    private static boolean relevant(Direction d, int remoteId, Set<Integer> seen) {
        return d == Direction.EGRESS && (remoteId == IdentityNumbers.ANY || seen.contains(remoteId));
    }

    private static Map<InetAddress, String> withoutEndpoint(Map<InetAddress, String> byAddress, String name) {
        Map<InetAddress, String> out = new HashMap<>(byAddress);
        out.values().removeIf(name::equals);
        return out;
    }
}
