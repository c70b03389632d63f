package dev.ward.bpf.datapath;

import dev.ward.bpf.RandomPolicyWorld;
import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowEventReader;
import dev.ward.bpf.events.FlowReason;
import dev.ward.bpf.lab.Packets;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.load.ProgramTestRun;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.Protocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import static dev.ward.bpf.TestPolicies.cnp;
import static dev.ward.bpf.TestPolicies.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The datapath decides exactly as {@link VerdictTable#lookup}: tables computed by the policy engine from real
 * and random policies are reconciled into the kernel maps, then the real programs judge crafted packets
 * (BPF_PROG_TEST_RUN) for many (endpoint, direction, identity, protocol, port) points, range edges included,
 * and each packet's flow event must carry the table's verdict, rule cookie and reason.
 */
class VerdictEquivalenceTest {
    private static final int TC_ACT_OK = 0, TC_ACT_SHOT = 2, TC_ACT_REDIRECT = 7;
    private static PodLab lab;
    private static FlowEventReader events;
    private static int nextPort = 1024;

    @BeforeAll
    static void lab() {
        lab = PodLab.create(3, c -> c.withProxyPorts((ep, d, type) -> d == Direction.INGRESS ? 15001 : 15002));
        events = lab.datapath().openEventReader();
    }

    @AfterAll
    static void close() {
        events.close();
        lab.close();
    }

    private static final List<Policy> REAL = List.of(
            // The Star Wars demo's rule1: only the empire's ships may land.
            cnp("rule1", "{endpointSelector: {matchLabels: {org: empire, class: deathstar}}, ingress: [{fromEndpoints: "
                    + "[{matchLabels: {org: empire}}], toPorts: [{ports: [{port: '80', protocol: TCP}]}]}]}"),
            cnp("l7", "{endpointSelector: {matchLabels: {class: deathstar}}, ingress: [{fromEndpoints: [{matchLabels: {class: tiefighter}}], "
                    + "toPorts: [{ports: [{port: '8080', protocol: TCP}], rules: {http: [{method: POST, path: /v1/request-landing}]}}]}]}"),
            cnp("ranges", "{endpointSelector: {matchLabels: {class: deathstar}}, ingress: [{fromEndpoints: [{matchLabels: {org: alliance}}], "
                    + "toPorts: [{ports: [{port: '1000', endPort: 1999, protocol: TCP}, {port: '30000', endPort: 32767, protocol: ANY}]}]}], "
                    + "ingressDeny: [{fromEndpoints: [{matchLabels: {class: xwing}}], toPorts: [{ports: [{port: '1500', endPort: 1600, protocol: TCP}]}]}]}"),
            cnp("egress", "{endpointSelector: {matchLabels: {class: tiefighter}}, egress: [{toEndpoints: [{matchLabels: {class: deathstar}}], "
                    + "toPorts: [{ports: [{port: '80', protocol: TCP}]}]}, {toCIDR: ['10.100.0.0/16'], toPorts: [{ports: [{port: '443', protocol: TCP}]}]}, "
                    + "{toEndpoints: [{}], toPorts: [{ports: [{port: '53', protocol: UDP}], rules: {dns: [{matchPattern: '*'}]}}]}, "
                    + "{icmps: [{fields: [{type: 8, family: IPv4}, {type: EchoRequest, family: IPv6}]}]}]}"),
            cnp("l3", "{endpointSelector: {matchLabels: {class: xwing}}, ingress: [{fromEndpoints: [{matchLabels: {org: alliance}}]}], "
                    + "egressDeny: [{toEntities: [world]}], enableDefaultDeny: {egress: false}}"));

    private static final List<Identity> REAL_IDENTITIES = List.of(
            pod(2001, "org=empire,class=deathstar"), pod(2002, "org=empire,class=tiefighter"), pod(2003, "org=alliance,class=xwing"),
            pod(2004, "org=alliance,class=ywing"), pod(2005, "org=neutral"));

    @Test
    void realPoliciesDecideInTheKernelAsInTheTable() throws Exception {
        PolicyEngine engine = new PolicyEngine("default");
        for (Identity i : REAL_IDENTITIES) engine.upsertIdentity(i);
        Map<String, Integer> own = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            engine.upsertEndpoint(new LocalEndpoint(lab.pod(i + 1).name(), REAL_IDENTITIES.get(i)));
            own.put(lab.pod(i + 1).name(), REAL_IDENTITIES.get(i).id());
        }
        for (Policy p : REAL) assertTrue(engine.upsertPolicy(p).accepted());
        int points = check(engine, own, new Random(1));
        assertTrue(points > 2000, "only " + points + " points");
    }

    @Test
    void randomPoliciesDecideInTheKernelAsInTheTable() throws Exception {
        int points = 0;
        for (long seed = 1; seed <= 6; seed++) {
            RandomPolicyWorld gen = new RandomPolicyWorld(seed);
            PolicyEngine engine = new PolicyEngine("default");
            List<Identity> ids = gen.identities(3000, 7);
            for (Identity i : ids) engine.upsertIdentity(i);
            Map<String, Integer> own = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                engine.upsertEndpoint(new LocalEndpoint(lab.pod(i + 1).name(), ids.get(i)));
                own.put(lab.pod(i + 1).name(), ids.get(i).id());
            }
            for (int p = 0; p < 6; p++) engine.upsertPolicy(gen.policy("p" + p));
            points += check(engine, own, gen.random());
        }
        assertTrue(points > 10000, "only " + points + " points");
    }

    /** Maps the world into the datapath (reconcile), then test-runs every point; returns how many. */
    private static int check(PolicyEngine engine, Map<String, Integer> own, Random r) throws Exception {
        Datapath dp = lab.datapath();
        Map<Integer, InetAddress[]> addressOf = new LinkedHashMap<>();
        Map<IpPrefix, Integer> ipcache = new HashMap<>();
        int n = 0;
        for (Identity id : engine.identities()) {
            if (IdentityNumbers.isReserved(id.id())) continue;
            InetAddress v4;
            InetAddress v6;
            if (id.prefix() != null) {
                ipcache.put(new IpPrefix(id.prefix().address(), id.prefix().prefixLength()), id.id());
                byte[] a = id.prefix().address().getAddress();
                a[a.length - 1] |= 5;
                v4 = InetAddress.getByAddress(a);
                v6 = null;
            } else {
                n++;
                v4 = IpPrefix.address("10.77.0." + n);
                v6 = IpPrefix.address("fd00:77::" + Integer.toHexString(n));
                ipcache.put(IpPrefix.host(v4), id.id());
                ipcache.put(IpPrefix.host(v6), id.id());
            }
            addressOf.put(id.id(), new InetAddress[] {v4, v6});
        }
        addressOf.put(ReservedIdentity.WORLD.id(), new InetAddress[] {IpPrefix.address("192.0.2.9"), IpPrefix.address("2001:db8::9")});
        Map<String, VerdictTable> tables = new HashMap<>();
        for (Pod p : lab.pods()) {
            VerdictTable t = engine.table(p.name());
            tables.put(p.name(), t);
            // Attached the first time; later worlds change the identity and reconcile below repairs the rest.
            if (dp.endpoint(p.name()) == null) dp.attach(p.name(), p.veth(), own.get(p.name()), t);
            else dp.attach(p.name(), p.veth(), own.get(p.name()), engine.table(p.name()));
        }
        ReconcileReport rep = dp.reconcile(tables, ipcache);
        assertTrue(rep.result().ok(), rep.result().failures().toString());
        for (Map.Entry<Integer, InetAddress[]> e : addressOf.entrySet()) {
            assertEquals(e.getKey(), dp.ipcache().identityOf(e.getValue()[0]), "ipcache resolves " + e.getValue()[0]);
        }
        dp.flushConntrack();
        events.drain();
        return NetworkNamespace.call(lab.node(), () -> {
            int points = 0;
            for (Pod p : lab.pods()) {
                EndpointRecord ep = dp.endpoint(p.name());
                VerdictTable t = tables.get(p.name());
                for (Direction d : Direction.values()) {
                    for (Protocol proto : Protocol.TABLE_PROTOCOLS) {
                        for (int port : ports(t, d, proto, r)) {
                            for (Map.Entry<Integer, InetAddress[]> e : addressOf.entrySet()) {
                                boolean v6 = proto == Protocol.ICMPV6 || (proto != Protocol.ICMP && e.getValue()[1] != null && r.nextBoolean());
                                if (v6 && e.getValue()[1] == null) continue;
                                InetAddress remote = v6 ? e.getValue()[1] : e.getValue()[0];
                                InetAddress local = v6 ? p.ipv6() : p.ipv4();
                                probe(dp, ep, t, d, e.getKey(), proto, port, local, remote);
                                points++;
                            }
                        }
                    }
                }
            }
            return points;
        });
    }

    /** The ports to probe: each row's edges and their neighbours, the extremes, a few random ones. */
    private static List<Integer> ports(VerdictTable t, Direction d, Protocol p, Random r) {
        int max = p == Protocol.ICMP || p == Protocol.ICMPV6 ? 255 : 65535;
        if (p == Protocol.OTHER) return List.of(0);
        TreeSet<Integer> out = new TreeSet<>(List.of(0, 1, max));
        for (VerdictEntry e : t.entries()) {
            if (e.direction() != d || e.protocol() != p) continue;
            for (int x : new int[] {e.low() - 1, e.low(), e.high(), e.high() + 1}) if (x >= 0 && x <= max) out.add(x);
        }
        for (int i = 0; i < 8; i++) out.add(r.nextInt(max + 1));
        if (p == Protocol.ICMPV6) out.removeIf(x -> x >= 133 && x <= 137);
        return new ArrayList<>(out);
    }

    private static void probe(Datapath dp, EndpointRecord ep, VerdictTable t, Direction d, int identity, Protocol proto, int port,
                              InetAddress local, InetAddress remote) {
        int ipProto = proto == Protocol.OTHER ? Packets.GRE : proto.number();
        int sport = nextPort++;
        if (nextPort > 65000) nextPort = 1024;
        byte[] frame = d == Direction.INGRESS ? Packets.frame(remote, local, ipProto, sport, port) : Packets.frame(local, remote, ipProto, sport, port);
        ProgramTestRun.Result res = ProgramTestRun.run(dp.programFd(d), frame, ep.ifindex());
        InetAddress src = d == Direction.INGRESS ? remote : local;
        InetAddress dst = d == Direction.INGRESS ? local : remote;
        // The pods' own kernels send now and then (IPv6 MLD reports): keep only this probe's event.
        List<FlowEvent> got = events.drain().stream().filter(x -> x.source().equals(src) && x.destination().equals(dst)
                && x.protocol() == ipProto && x.direction() == d).toList();
        // Flows without ports have one tuple per address pair: forget it, or the other direction's probe is its reply.
        if (proto == Protocol.OTHER) {
            dp.forgetFlow(ep.name(), d, ipProto, d == Direction.INGRESS ? remote : local, 0, d == Direction.INGRESS ? local : remote, 0);
        }
        String point = ep.name() + " " + d.lower() + " id " + identity + " " + proto + " " + port + " (" + remote.getHostAddress() + ")";
        assertEquals(1, got.size(), point + ": events " + got);
        FlowEvent e = got.getFirst();
        VerdictTable.Lookup want = t.lookup(d, identity, proto, port);
        Verdict.Kind kind = want.verdict().kind();
        assertEquals(kind, e.verdict(), point + ": table says " + want.verdict() + (want.entry() == null ? " (default)" : " by " + want.entry()));
        assertEquals(identity, e.remoteIdentity(), point);
        assertEquals(want.entry() == null ? 0 : dp.cookies().cookieFor(want.verdict().rules()), e.cookie(), point + " cookie");
        FlowReason reason = switch (kind) {
            case DENY -> want.entry() == null ? FlowReason.POLICY_DEFAULT_DENY : FlowReason.POLICY_DENY;
            case ALLOW -> FlowReason.FORWARDED;
            case REDIRECT -> d == Direction.EGRESS ? FlowReason.PROXY_UNAVAILABLE : FlowReason.FORWARDED;
        };
        assertEquals(reason, e.reason(), point);
        int rv = switch (kind) {
            case DENY -> TC_ACT_SHOT;
            case ALLOW -> TC_ACT_OK;
            case REDIRECT -> d == Direction.EGRESS ? TC_ACT_SHOT : TC_ACT_REDIRECT;
        };
        assertEquals(rv, res.returnValue(), point + " return value");
        if (kind == Verdict.Kind.REDIRECT) {
            assertEquals(d == Direction.INGRESS ? 15001 : 15002, e.proxyPort(), point);
            if (d == Direction.INGRESS) assertEquals(0x0200 | (15001 << 16), res.mark(), point + " mark");
        }
    }
}
