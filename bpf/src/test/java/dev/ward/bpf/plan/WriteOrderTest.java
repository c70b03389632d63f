package dev.ward.bpf.plan;

import dev.ward.bpf.RandomPolicyWorld;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.TableDelta;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static dev.ward.bpf.TestPolicies.cnp;
import static dev.ward.bpf.TestPolicies.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every intermediate state of a plan, replayed on a model of the maps and the datapath's lookups, gives each
 * (endpoint, direction, identity, protocol, port) the old verdict or the new one, and the last state is exactly
 * the new table. The same writes in a naive order (deletions first) do show a third verdict, so the check bites.
 */
class WriteOrderTest {
    private static final String[] ENDPOINTS = {"ep-a", "ep-b", "ep-c", "ep-d"};

    private record World(PolicyEngine engine, WritePlanner planner, DatapathModel model, List<Identity> identities) {}

    private static World world(long seed) {
        RandomPolicyWorld gen = new RandomPolicyWorld(seed);
        PolicyEngine engine = new PolicyEngine("default");
        List<Identity> ids = gen.identities(1000, 8);
        for (Identity i : ids) engine.upsertIdentity(i);
        for (int i = 0; i < ENDPOINTS.length; i++) engine.upsertEndpoint(new LocalEndpoint(ENDPOINTS[i], ids.get(i)));
        WritePlanner planner = new WritePlanner(new RuleCookies(), (ep, d, t) -> 15000 + d.ordinal());
        DatapathModel model = new DatapathModel();
        for (String ep : ENDPOINTS) {
            VerdictTable t = engine.table(ep);
            model.load(ep, planner.entriesOf(t), t.enforced(Direction.INGRESS), t.enforced(Direction.EGRESS));
        }
        return new World(engine, planner, model, ids);
    }

    private static PolicyValue expected(WritePlanner planner, VerdictTable t, Direction d, int id, Protocol p, int port) {
        VerdictTable.Lookup l = t.lookup(d, id, p, port);
        return l.entry() == null ? new PolicyValue(l.verdict().kind(), 0, 0) : planner.valueOf(t.endpoint(), l.entry());
    }

    /** Ports at and around the edges of every row the change touched, plus the extremes. */
    private static List<Integer> ports(TableDelta td) {
        TreeSet<Integer> out = new TreeSet<>(List.of(0, 1, 80, 65534, 65535));
        List<VerdictEntry.Key> keys = new ArrayList<>(td.removals());
        for (VerdictEntry e : td.upserts()) keys.add(e.key());
        for (VerdictEntry.Key k : keys) {
            for (int p : new int[] {k.low() - 1, k.low(), k.high(), k.high() + 1}) if (p >= 0 && p <= 65535) out.add(p);
        }
        return new ArrayList<>(out);
    }

    /** A lookup to check, with the verdicts it may give: before the change and after it. */
    private record Point(String endpoint, Direction direction, int identity, Protocol protocol, int port, PolicyValue old, PolicyValue now) {}

    private static List<Point> points(World w, Map<String, VerdictTable> before, EngineDelta delta) {
        List<Point> out = new ArrayList<>();
        List<Integer> ids = new ArrayList<>(w.identities().stream().map(Identity::id).toList());
        ids.add(424242);
        for (TableDelta td : delta.tables().values()) {
            String ep = td.endpoint();
            VerdictTable old = before.get(ep);
            VerdictTable now = w.engine().table(ep);
            for (Direction d : Direction.values()) {
                for (Protocol p : Protocol.TABLE_PROTOCOLS) {
                    for (int id : ids) {
                        for (int port : ports(td)) {
                            out.add(new Point(ep, d, id, p, port, expected(w.planner(), old, d, id, p, port), expected(w.planner(), now, d, id, p, port)));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Replays {@code writes}; returns the first lookup that gave neither verdict, or null. */
    private static String replay(World w, List<MapWrite> writes, Map<String, VerdictTable> before, EngineDelta delta) {
        List<Point> points = points(w, before, delta);
        for (MapWrite write : writes) {
            w.model().apply(write);
            // A write can only change lookups of its own endpoint, direction and (for rows) protocol.
            String ep;
            Direction dir;
            Protocol only;
            switch (write) {
                case MapWrite.PolicyUpsert u -> { ep = u.endpoint(); dir = u.key().direction(); only = u.key().protocol(); }
                case MapWrite.PolicyDelete x -> { ep = x.endpoint(); dir = x.key().direction(); only = x.key().protocol(); }
                case MapWrite.Enforcement f -> { ep = f.endpoint(); dir = f.direction(); only = null; }
                default -> { continue; }
            }
            for (Point pt : points) {
                if (!pt.endpoint().equals(ep) || pt.direction() != dir || (only != null && pt.protocol() != only)) continue;
                PolicyValue got = w.model().lookup(ep, dir, pt.identity(), pt.protocol(), pt.port());
                if (!got.equals(pt.old()) && !got.equals(pt.now())) {
                    return ep + " " + dir + " id " + pt.identity() + " " + pt.protocol() + " port " + pt.port() + ": " + got + " is neither "
                            + pt.old() + " nor " + pt.now() + " after " + write;
                }
            }
        }
        return null;
    }

    private static EngineDelta change(World w, RandomPolicyWorld gen, int step) {
        if (step % 4 == 3 && !w.engine().policies().isEmpty()) {
            List<PolicyKey> keys = w.engine().policies().stream().map(p -> p.key()).toList();
            return w.engine().deletePolicy(keys.get(gen.random().nextInt(keys.size())));
        }
        return w.engine().upsertPolicy(gen.policy("p" + gen.random().nextInt(6)));
    }

    private static Map<String, VerdictTable> tables(PolicyEngine e) {
        Map<String, VerdictTable> out = new HashMap<>();
        for (String ep : ENDPOINTS) out.put(ep, e.table(ep));
        return out;
    }

    @Test
    void everyIntermediateStateGivesTheOldOrTheNewVerdict() {
        int checkedWrites = 0;
        for (long seed = 1; seed <= 8; seed++) {
            World w = world(seed);
            RandomPolicyWorld gen = new RandomPolicyWorld(seed * 31);
            for (int step = 0; step < 20; step++) {
                Map<String, VerdictTable> before = tables(w.engine());
                EngineDelta delta = change(w, gen, step);
                WritePlan plan = w.planner().plan(delta, ep -> true, id -> List.of());
                String violation = replay(w, plan.writes(), before, delta);
                assertEquals(null, violation, "seed " + seed + " step " + step);
                checkedWrites += plan.size();
                for (String ep : ENDPOINTS) {
                    VerdictTable t = w.engine().table(ep);
                    assertEquals(w.planner().entriesOf(t), w.model().policy.get(ep), "seed " + seed + " step " + step + " " + ep);
                    assertEquals(t.enforced(Direction.INGRESS), w.model().enforced.get(ep).get(Direction.INGRESS));
                    assertEquals(t.enforced(Direction.EGRESS), w.model().enforced.get(ep).get(Direction.EGRESS));
                }
            }
        }
        assertTrue(checkedWrites > 1000, "only " + checkedWrites + " writes checked");
    }

    @Test
    void deletingBeforeWritingShowsAThirdVerdictSoTheCheckCanFail() {
        int violations = 0;
        for (long seed = 1; seed <= 12 && violations == 0; seed++) {
            World w = world(seed);
            RandomPolicyWorld gen = new RandomPolicyWorld(seed * 31);
            for (int step = 0; step < 20; step++) {
                Map<String, VerdictTable> before = tables(w.engine());
                EngineDelta delta = change(w, gen, step);
                List<MapWrite> naive = new ArrayList<>(w.planner().plan(delta, ep -> true, id -> List.of()).writes());
                Collections.reverse(naive);
                if (replay(w, naive, before, delta) != null) {
                    violations++;
                    break;
                }
            }
        }
        assertTrue(violations > 0, "reversed order never showed a third verdict: the check would not catch a bad order");
    }

    /**
     * The DNS proxy learns an address inside a CIDR the endpoint may already reach: the address gets its own
     * identity, whose rows inherit the CIDR's allow. Rows first, then the ipcache: the address is allowed
     * throughout. Had the ipcache gone first, the address would carry an identity with no rows yet (denied).
     */
    @Test
    void anAddressMovesToANewIdentityOnlyOnceThatIdentityHasItsRows() throws Exception {
        PolicyEngine engine = new PolicyEngine("default");
        engine.upsertIdentity(pod(1001, "app=client"));
        engine.upsertEndpoint(new LocalEndpoint("client", pod(1001, "app=client")));
        WritePlanner planner = new WritePlanner(new RuleCookies(), ProxyPorts.NONE);
        DatapathModel model = new DatapathModel();
        model.load("client", Map.of(), false, false);
        for (MapWrite w : planner.plan(engine.upsertPolicy(cnp("cidr", "{endpointSelector: {matchLabels: {app: client}}, egress: "
                + "[{toCIDR: ['10.100.0.0/16']}, {toFQDNs: [{matchPattern: '*.example.com'}], toPorts: [{ports: [{port: '53', protocol: UDP}]}]}]}")),
                ep -> true, id -> List.of()).writes()) {
            model.apply(w);
        }
        InetAddress addr = InetAddress.getByName("10.100.7.7");
        int cidrIdentity = model.identityOf(addr);
        assertEquals(dev.ward.policy.compute.Verdict.Kind.ALLOW, model.lookup("client", Direction.EGRESS, cidrIdentity, Protocol.TCP, 443).verdict());

        EngineDelta learned = engine.learnFqdn("api.example.com", List.of(addr));
        WritePlan plan = planner.plan(learned, ep -> true, id -> List.of());
        assertEquals(1, plan.phase(WritePhase.IPCACHE_UPSERTS).size(), plan.writes().toString());
        assertEquals(IpPrefix.parse("10.100.7.7/32"), ((MapWrite.IpCacheUpsert) plan.phase(WritePhase.IPCACHE_UPSERTS).getFirst()).prefix());

        DatapathModel ipcacheFirst = copy(model);
        for (MapWrite w : plan.writes()) {
            model.apply(w);
            assertEquals(dev.ward.policy.compute.Verdict.Kind.ALLOW,
                    model.lookup("client", Direction.EGRESS, model.identityOf(addr), Protocol.TCP, 443).verdict(), "after " + w);
        }
        ipcacheFirst.apply(plan.phase(WritePhase.IPCACHE_UPSERTS).getFirst());
        assertEquals(dev.ward.policy.compute.Verdict.Kind.DENY,
                ipcacheFirst.lookup("client", Direction.EGRESS, ipcacheFirst.identityOf(addr), Protocol.TCP, 443).verdict(),
                "writing the ipcache first would have denied the address for a moment");
    }

    private static DatapathModel copy(DatapathModel m) {
        DatapathModel c = new DatapathModel();
        m.policy.forEach((ep, entries) -> c.load(ep, entries, m.enforced.get(ep).get(Direction.INGRESS), m.enforced.get(ep).get(Direction.EGRESS)));
        c.ipcache.putAll(m.ipcache);
        return c;
    }
}
