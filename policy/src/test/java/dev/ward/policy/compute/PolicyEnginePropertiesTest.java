package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.label.SelectorKey;
import dev.ward.policy.model.Action;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Peer;
import dev.ward.policy.model.PeerRule;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.PortProtocol;
import dev.ward.policy.model.PortRule;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.RuleRef;
import dev.ward.policy.model.Subject;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of the engine over random worlds (seeded, so a failure names a seed that reproduces it):
 * tables agree with the rules read directly; deny always wins; adding an allow never takes away an allowed flow;
 * incremental updates and their deltas equal a full recomputation after any sequence of changes.
 */
class PolicyEnginePropertiesTest {
    private static final Map<String, Set<NamedPort>> CLUSTER_NAMED = Map.of("http", Set.of(new NamedPort(8080, Protocol.TCP)));

    /** A random engine state: identities, endpoints, policies, DNS answers. */
    private static final class World {
        final RandomPolicies gen;
        final PolicyEngine engine = new PolicyEngine("default");
        final Map<String, LocalEndpoint> endpoints = new HashMap<>();
        int nextId = 300;
        int nextPolicy = 0;

        World(long seed) {
            gen = new RandomPolicies(seed);
            engine.setClusterNamedPorts(CLUSTER_NAMED);
            for (int i = 0; i < 12; i++) engine.upsertIdentity(gen.identity(nextId++));
            for (int i = 0; i < 4; i++) addEndpoint();
            if (gen.random().nextBoolean()) {
                LocalEndpoint host = new LocalEndpoint("host", Identity.of(1, LabelSet.of(Label.reserved("host"), Label.k8s("role", "a"))));
                endpoints.put("host", host);
                engine.upsertEndpoint(host);
            }
            for (int i = 0; i < 6; i++) engine.upsertPolicy(gen.policy("p" + nextPolicy++));
        }

        /** Records every delta the engine reports, in order, as the datapath would receive them. */
        final List<EngineDelta> deltas = new ArrayList<>();

        EngineDelta addEndpoint() {
            LocalEndpoint ep = gen.endpoint("ep" + endpoints.size(), nextId);
            deltas.add(engine.upsertIdentity(ep.identity()));
            nextId++;
            endpoints.put(ep.name(), ep);
            return engine.upsertEndpoint(ep);
        }

        /** One random change; returns its delta. */
        EngineDelta randomChange() {
            Random r = gen.random();
            List<Policy> policies = new ArrayList<>(engine.policies());
            return switch (r.nextInt(9)) {
                case 0 -> engine.upsertPolicy(gen.policy("p" + nextPolicy++));
                case 1 -> policies.isEmpty() ? engine.upsertPolicy(gen.policy("p" + nextPolicy++))
                        : engine.upsertPolicy(gen.policy(policies.get(r.nextInt(policies.size())).key(), true));
                case 2 -> policies.isEmpty() ? engine.upsertIdentity(gen.identity(nextId++))
                        : engine.deletePolicy(policies.get(r.nextInt(policies.size())).key());
                case 3 -> engine.upsertIdentity(gen.identity(nextId++));
                case 4 -> {
                    List<Identity> ids = engine.identities().stream().filter(i -> i.id() >= 300 && !IdentityNumbers.isNodeLocal(i.id())
                            && endpoints.values().stream().noneMatch(e -> e.identity().id() == i.id())).toList();
                    yield ids.isEmpty() ? engine.upsertIdentity(gen.identity(nextId++)) : engine.removeIdentity(ids.get(r.nextInt(ids.size())).id());
                }
                case 5 -> engine.learnFqdn(gen.pick(RandomPolicies.NAMES), List.of(gen.address()));
                case 6 -> engine.forgetFqdn(gen.pick(RandomPolicies.NAMES), gen.address());
                case 7 -> addEndpoint();
                default -> {
                    if (endpoints.size() < 2) yield addEndpoint();
                    List<String> names = new ArrayList<>(endpoints.keySet());
                    String victim = names.get(r.nextInt(names.size()));
                    endpoints.remove(victim);
                    yield engine.removeEndpoint(victim);
                }
            };
        }
    }

    @Property(tries = 150)
    void incrementalEqualsFullRecomputation(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        World w = new World(seed);
        Map<String, Map<VerdictEntry.Key, Verdict>> shadow = new HashMap<>();
        for (String ep : w.engine.endpointNames()) shadow.put(ep, rows(w.engine.table(ep)));
        for (int step = 0; step < 30; step++) {
            w.deltas.clear();
            EngineDelta last = w.randomChange();
            w.deltas.add(last);
            for (EngineDelta d : w.deltas) {
                for (TableDelta td : d.tables().values()) {
                    Map<VerdictEntry.Key, Verdict> s = shadow.computeIfAbsent(td.endpoint(), k -> new HashMap<>());
                    for (VerdictEntry.Key k : td.removals()) s.remove(k);
                    for (VerdictEntry e : td.upserts()) s.put(e.key(), e.verdict());
                }
            }
            shadow.keySet().retainAll(w.engine.endpointNames());
            for (String ep : w.engine.endpointNames()) {
                VerdictTable inc = w.engine.table(ep);
                VerdictTable full = w.engine.recomputeFromScratch(ep);
                assertTrue(inc.sameAs(full), "seed " + seed + " step " + step + " endpoint " + ep
                        + ": incremental table differs from a full recomputation\n incremental: " + inc.entries()
                        + "\n full: " + full.entries());
                Map<VerdictEntry.Key, Verdict> want = rows(full);
                Map<VerdictEntry.Key, Verdict> got = shadow.getOrDefault(ep, Map.of());
                if (!want.equals(got)) {
                    Map<VerdictEntry.Key, Verdict> missing = new HashMap<>(want);
                    missing.entrySet().removeAll(got.entrySet());
                    Map<VerdictEntry.Key, Verdict> extra = new HashMap<>(got);
                    extra.entrySet().removeAll(want.entrySet());
                    throw new AssertionError("seed " + seed + " step " + step + " endpoint " + ep
                            + ": the deltas do not add up to the table; missing " + missing + ", extra " + extra);
                }
            }
        }
    }

    @Property(tries = 150)
    void tablesAgreeWithTheRulesReadDirectly(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        World w = new World(seed);
        for (int i = 0; i < 10; i++) w.randomChange();
        FlowOracle oracle = new FlowOracle("default", CLUSTER_NAMED);
        Random r = w.gen.random();
        List<Identity> remotes = new ArrayList<>(w.engine.identities());
        for (String name : w.engine.endpointNames()) {
            LocalEndpoint ep = w.endpoints.get(name);
            VerdictTable t = w.engine.table(name);
            for (int i = 0; i < 200; i++) {
                Direction d = r.nextBoolean() ? Direction.INGRESS : Direction.EGRESS;
                Identity remote = r.nextInt(20) == 0 ? null : remotes.get(r.nextInt(remotes.size()));
                Protocol p = Protocol.TABLE_PROTOCOLS.get(r.nextInt(Protocol.TABLE_PROTOCOLS.size()));
                int port = samplePort(r);
                VerdictTable.Lookup got = t.lookup(d, remote == null ? 77777 : remote.id(), p, port);
                FlowOracle.Expected want = oracle.decide(w.engine.policies(), ep, d, remote, p, port);
                String flow = "seed " + seed + " " + name + " " + d + " remote " + remote + " " + p + "/" + port;
                assertEquals(want.kind(), got.verdict().kind(), flow + ": " + got);
                if (want.kind() == Verdict.Kind.REDIRECT) {
                    assertEquals(want.grants(), new HashSet<>(got.verdict().grants()), flow);
                }
            }
        }
    }

    @Property(tries = 200)
    void denyAlwaysWins(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        World w = new World(seed);
        for (int i = 0; i < 5; i++) w.randomChange();
        Random r = w.gen.random();
        List<String> names = new ArrayList<>(w.engine.endpointNames());
        String name = names.get(r.nextInt(names.size()));
        LocalEndpoint ep = w.endpoints.get(name);
        List<Identity> remotes = new ArrayList<>(w.engine.identities());
        Identity remote = remotes.get(r.nextInt(remotes.size()));
        Direction d = r.nextBoolean() ? Direction.INGRESS : Direction.EGRESS;
        int port = RandomPolicies.PORTS[r.nextInt(RandomPolicies.PORTS.length)];
        // A deny naming exactly this remote identity's labels and this port, added among arbitrary allows.
        PolicyKey key = new PolicyKey(PolicyKey.CCNP, "", "deny-under-test");
        List<Requirement> sel = new ArrayList<>();
        for (Label l : remote.labels()) sel.add(Requirement.equalTo(new SelectorKey(l.source(), l.key()), l.value()));
        Peer peer = remote.prefix() != null ? new Peer.Cidrs(remote.prefix(), List.of()) : new Peer.Endpoints(LabelSelector.of(sel));
        PeerRule deny = new PeerRule(d, Action.DENY, List.of(peer), List.of(),
                List.of(new PortRule(List.of(PortProtocol.number(port, 0, Protocol.TCP)), null)), List.of(), new RuleRef(key, "spec.deny"));
        LabelSelector self = LabelSelector.of(ep.identity().labels().asList().stream()
                .map(l -> Requirement.equalTo(new SelectorKey(l.source(), l.key()), l.value())).toList());
        Rule rule = new Rule(new Subject(self, ep.isHost()), List.of(deny), false, false, "", new RuleRef(key, "spec"));
        w.engine.upsertPolicy(new Policy(key, List.of(rule), List.of()));
        for (int i = 0; i < 5; i++) {
            w.engine.upsertPolicy(w.gen.policy(new PolicyKey(PolicyKey.CCNP, "", "allow-" + i), false));
        }
        VerdictTable.Lookup got = w.engine.table(name).lookup(d, remote.id(), Protocol.TCP, port);
        assertEquals(Verdict.Kind.DENY, got.verdict().kind(), "seed " + seed + ": " + got);
        assertTrue(got.verdict().rules().contains(new RuleRef(key, "spec.deny")), "seed " + seed + " names the deny: " + got);
    }

    @Property(tries = 200)
    void addingAnAllowNeverRemovesAnAllowedFlow(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        World w = new World(seed);
        for (int i = 0; i < 5; i++) w.randomChange();
        Random r = w.gen.random();
        record Flow(String ep, Direction d, int remote, Protocol p, int port) {}
        Map<Flow, VerdictTable.Lookup> before = new HashMap<>();
        List<Identity> remotes = new ArrayList<>(w.engine.identities());
        for (String name : w.engine.endpointNames()) {
            VerdictTable t = w.engine.table(name);
            for (int i = 0; i < 100; i++) {
                Flow f = new Flow(name, r.nextBoolean() ? Direction.INGRESS : Direction.EGRESS,
                        remotes.get(r.nextInt(remotes.size())).id(),
                        Protocol.TABLE_PROTOCOLS.get(r.nextInt(Protocol.TABLE_PROTOCOLS.size())), samplePort(r));
                before.put(f, t.lookup(f.d, f.remote, f.p, f.port));
            }
        }
        Map<String, boolean[]> enforcedBefore = new HashMap<>();
        for (String name : w.engine.endpointNames()) {
            VerdictTable t = w.engine.table(name);
            enforcedBefore.put(name, new boolean[] {t.enforced(Direction.INGRESS), t.enforced(Direction.EGRESS)});
        }
        Policy allow = withoutRequires(w.gen.policy(new PolicyKey(PolicyKey.CNP, "default", "added-allow"), false));
        w.engine.upsertPolicy(allow);
        for (Map.Entry<Flow, VerdictTable.Lookup> e : before.entrySet()) {
            Flow f = e.getKey();
            VerdictTable.Lookup was = e.getValue();
            if (!was.verdict().allowsL4()) continue;
            VerdictTable t = w.engine.table(f.ep);
            boolean newlyEnforced = !enforcedBefore.get(f.ep)[f.d.ordinal()] && t.enforced(f.d);
            // An allowed-by-default flow may become denied only because the new rule turned on default deny.
            if (was.byDefault() && newlyEnforced) continue;
            VerdictTable.Lookup now = t.lookup(f.d, f.remote, f.p, f.port);
            String flow = "seed " + seed + " " + f + " was " + was.verdict() + " now " + now.verdict();
            assertTrue(now.verdict().allowsL4(), flow);
            if (was.verdict().kind() == Verdict.Kind.REDIRECT && now.verdict().kind() == Verdict.Kind.REDIRECT) {
                assertTrue(now.verdict().grants().containsAll(was.verdict().grants()), flow + ": L7 grants shrank");
            }
            // A plain allow by rule stays plain. (A flow allowed only because no rule selected the endpoint may gain
            // an L7 proxy from the new rule, even with enableDefaultDeny off: L7 rules always filter requests.)
            if (was.verdict().kind() == Verdict.Kind.ALLOW && !was.byDefault()) {
                assertEquals(Verdict.Kind.ALLOW, now.verdict().kind(), flow);
            }
        }
    }

    private static Policy withoutRequires(Policy p) {
        List<Rule> rules = new ArrayList<>();
        for (Rule r : p.rules()) {
            List<PeerRule> prs = new ArrayList<>();
            for (PeerRule pr : r.peerRules()) {
                prs.add(new PeerRule(pr.direction(), pr.action(), pr.peers(), List.of(), pr.toPorts(), pr.icmps(), pr.ref()));
            }
            rules.add(new Rule(r.subject(), prs, r.enforcesIngress(), r.enforcesEgress(), r.description(), r.ref()));
        }
        return new Policy(p.key(), rules, p.warnings());
    }

    private static int samplePort(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> RandomPolicies.PORTS[r.nextInt(RandomPolicies.PORTS.length)];
            case 1 -> 8000 + r.nextInt(120);
            case 2 -> r.nextInt(256);
            default -> r.nextInt(65536);
        };
    }

    private static Map<VerdictEntry.Key, Verdict> rows(VerdictTable t) {
        Map<VerdictEntry.Key, Verdict> m = new HashMap<>();
        for (VerdictEntry e : t.entries()) m.put(e.key(), e.verdict());
        return m;
    }
}
