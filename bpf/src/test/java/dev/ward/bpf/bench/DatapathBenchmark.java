package dev.ward.bpf.bench;

import dev.ward.bpf.datapath.ApplyResult;
import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.DatapathConfig;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.ward.bpf.TestPolicies.cnp;
import static dev.ward.bpf.TestPolicies.pod;

/**
 * bench/datapath: pod-to-pod TCP through the node, measured side by side in one run on the host kernel:
 * throughput (iperf3, one stream), request/response rate on one connection, and new connections per second,
 * with no policy at all, with Ward's programs enforcing 1k, 10k and 100k policy entries on the server's
 * ingress, and with the same rules in nftables (the node's forward hook) as one linear chain and as a set.
 * Then the latency from a rule change entering the engine to the maps holding it, at 10k identities.
 * Run by bench/datapath as root; not a test.
 */
public final class DatapathBenchmark {
    /** Every identity may reach the server on ten ports; the flows measured use the first three. */
    static final int[] PORTS = {5201, 5203, 5205, 6000, 6002, 6004, 6006, 6008, 6010, 6012};
    static final int IPERF = 5201, RR = 5203, CRR = 5205;

    record Figures(String config, double gbps, double rr, double crr) {}

    /** One configuration of the node: set up, measured, torn down (so configurations can alternate). */
    interface Config {
        String name();

        AutoCloseable setUp() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length == 0 ? new int[] {1000, 10000, 100000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        int seconds = Integer.getInteger("seconds", 3);
        int rounds = Integer.getInteger("runs", 3);
        int changes = Integer.getInteger("changes", 300);
        System.out.printf(Locale.ROOT, "datapath benchmark: host kernel %s, %d s per measurement, %d rounds (configurations alternate "
                + "round by round; each figure is the median of its rounds)%n", System.getProperty("os.version"), seconds, rounds);
        int largest = Math.max(100000, Arrays.stream(sizes).max().orElseThrow());
        Load load = new Load(seconds);
        try (PodLab lab = lab(largest)) {
            Pod client = lab.pod(1);
            Pod server = lab.pod(2);
            List<Config> configs = new ArrayList<>();
            configs.add(config("no policy", () -> () -> { }));
            for (int n : sizes) {
                World w = World.of(n / PORTS.length, client, server);
                configs.add(config("ward " + label(n), () -> {
                    long t0 = System.nanoTime();
                    w.attach(lab.datapath());
                    System.out.printf(Locale.ROOT, "  ward: %d entries written to the server's policy map in %.0f ms%n",
                            lab.datapath().policyEntries("server").size(), (System.nanoTime() - t0) / 1e6);
                    return () -> w.detach(lab.datapath());
                }));
            }
            for (int n : sizes) {
                List<Nftables.Pair> pairs = World.of(n / PORTS.length, client, server).pairs();
                if (n <= 10000) configs.add(config("nft chain " + label(n), () -> Nftables.linear(lab.node(), server.veth(), pairs)));
                configs.add(config("nft set " + label(n), () -> Nftables.set(lab.node(), server.veth(), pairs)));
            }
            System.out.println("  attachments: no policy and nft none; ward from_pod and to_pod on both pods' veths (4 tc programs; "
                    + "a packet between the two pods runs the sender's from_pod, which judges the receiver's ingress too and hands it over)");
            Map<String, List<Load.Sample>> samples = new LinkedHashMap<>();
            try (AutoCloseable servers = load.servers(server)) {
                for (int round = 1; round <= rounds; round++) {
                    System.out.println("round " + round + ":");
                    for (Config c : configs) {
                        try (AutoCloseable applied = c.setUp()) {
                            Load.Sample x = load.sample(client, server);
                            System.out.printf(Locale.ROOT, "  %-16s %8.2f Gbit/s %10.0f RR/s %8.0f conn/s%n", c.name(), x.gbps(), x.rr(), x.crr());
                            samples.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(x);
                        }
                    }
                }
                // The kernel's run-time statistics cost every program run two clock reads: they are on only in
                // this pass, so the figures above do not charge that to Ward.
                System.out.println("programs' own cost (kernel run-time statistics on for this pass only):");
                for (Config c : configs) {
                    if (!c.name().startsWith("ward")) continue;
                    try (AutoCloseable applied = c.setUp()) {
                        int statsFd = dev.ward.bpf.sys.Libbpf.enableRunTimeStats();
                        try {
                            long[] before = programStats(lab.datapath());
                            load.sample(client, server);
                            long[] after = programStats(lab.datapath());
                            long runs = after[1] - before[1];
                            System.out.printf(Locale.ROOT, "  %-10s %.0f ns per program run (%d runs: iperf3, request/response, new connections)%n",
                                    c.name(), runs == 0 ? 0 : (double) (after[0] - before[0]) / runs, runs);
                        } finally {
                            dev.ward.netlink.sys.LinuxSyscalls.close(statsFd);
                        }
                        if (c.name().equals("ward " + label(largest))) ProgramPathCost.print(lab, largest, 1_000_000, 1);
                    }
                }
            }
            List<Figures> results = new ArrayList<>();
            for (Map.Entry<String, List<Load.Sample>> e : samples.entrySet()) {
                List<Load.Sample> xs = e.getValue();
                results.add(new Figures(e.getKey(), Load.median(xs.stream().mapToDouble(Load.Sample::gbps).toArray()),
                        Load.median(xs.stream().mapToDouble(Load.Sample::rr).toArray()), Load.median(xs.stream().mapToDouble(Load.Sample::crr).toArray())));
            }
            print(results, sizes);
            changeLatency(lab, changes);
        }
    }

    /** Two pods whose maps have room for the policy world of {@code entries} (client pod 1, server pod 2). */
    static PodLab lab(int entries) {
        return PodLab.create(2, c -> c.withPolicyEntries(entries + 20000).withIpcacheEntries(entries / PORTS.length + 20000));
    }

    /** Run time and runs of both directions' programs, summed. */
    static long[] programStats(Datapath dp) {
        long[] out = new long[2];
        for (dev.ward.policy.model.Direction d : dev.ward.policy.model.Direction.values()) {
            long[] s = dev.ward.bpf.sys.Libbpf.programRunStats(dp.programFd(d));
            out[0] += s[0];
            out[1] += s[1];
        }
        return out;
    }

    static Config config(String name, java.util.concurrent.Callable<AutoCloseable> setUp) {
        return new Config() {
            public String name() {
                return name;
            }

            public AutoCloseable setUp() throws Exception {
                return setUp.call();
            }
        };
    }

    static String label(int n) {
        return n >= 1000 ? (n / 1000) + "k" : String.valueOf(n);
    }

    private static void print(List<Figures> rs, int[] sizes) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-16s %12s %14s %14s%n", "config", "Gbit/s", "RR/s (1 conn)", "new conn/s");
        for (Figures f : rs) System.out.printf(Locale.ROOT, "%-16s %12.2f %14.0f %14.0f%n", f.config, f.gbps, f.rr, f.crr);
        Map<String, Figures> by = new LinkedHashMap<>();
        for (Figures f : rs) by.put(f.config, f);
        Figures none = by.get("no policy");
        System.out.println();
        for (int n : sizes) {
            Figures ward = by.get("ward " + label(n));
            System.out.printf(Locale.ROOT, "ward %-5s vs no policy:  throughput %.3f, RR %.3f, new conn %.3f%n", label(n),
                    ward.gbps / none.gbps, ward.rr / none.rr, ward.crr / none.crr);
            if (n == 100000) {
                goal(ward.gbps / none.gbps >= 0.95, "ward 100k within 5% of no policy, judged on throughput", ward.gbps / none.gbps, ">= 0.95");
                goal(ward.rr / none.rr >= 0.95, "ward 100k within 5% of no policy, judged on RR", ward.rr / none.rr, ">= 0.95");
            }
            Figures set = by.get("nft set " + label(n));
            if (set != null) {
                System.out.printf(Locale.ROOT, "ward %-5s vs nft set:    throughput %.2fx, RR %.2fx, new conn %.2fx%n", label(n),
                        ward.gbps / set.gbps, ward.rr / set.rr, ward.crr / set.crr);
                goal(ward.gbps >= set.gbps, "ward " + label(n) + " >= nft set, judged on throughput", ward.gbps / set.gbps, ">= 1");
                goal(ward.rr >= set.rr, "ward " + label(n) + " >= nft set, judged on RR", ward.rr / set.rr, ">= 1");
            }
            Figures chain = by.get("nft chain " + label(n));
            if (chain != null) {
                System.out.printf(Locale.ROOT, "ward %-5s vs nft chain:  throughput %.2fx, RR %.2fx, new conn %.2fx%n", label(n),
                        ward.gbps / chain.gbps, ward.rr / chain.rr, ward.crr / chain.crr);
                if (n == 10000) {
                    // The chain taken away and nothing put in its place: how far the goal is from what filtering alone costs.
                    System.out.printf(Locale.ROOT, "no policy vs nft chain 10k (the chain taken away, nothing else changed): throughput %.2fx, RR %.2fx, "
                            + "new conn %.2fx%n", none.gbps / chain.gbps, none.rr / chain.rr, none.crr / chain.crr);
                    goal(ward.gbps / chain.gbps >= 10, "ward 10k >= 10x the linear chain, judged on throughput", ward.gbps / chain.gbps, ">= 10");
                    goal(ward.rr / chain.rr >= 10, "ward 10k >= 10x the linear chain, judged on RR", ward.rr / chain.rr, ">= 10");
                    goal(ward.crr / chain.crr >= 10, "ward 10k >= 10x the linear chain, judged on new conn/s", ward.crr / chain.crr, ">= 10");
                }
            }
        }
    }

    static void goal(boolean met, String what, double ratio, String needed) {
        System.out.printf(Locale.ROOT, "  goal %s: %.3f (needs %s): %s%n", what, ratio, needed, met ? "MET" : "FAIL");
    }

    /** Rule change -> maps hold it, at 10k identities: engine time and datapath time, p50 and p99. */
    private static void changeLatency(PodLab lab, int changes) throws Exception {
        System.out.println();
        World w = World.of(10000, lab.pod(1), lab.pod(2));
        Datapath dp = lab.datapath();
        w.attach(dp);
        double[] engine = new double[changes];
        double[] datapath = new double[changes];
        double[] total = new double[changes];
        int writes = 0;
        for (int i = -50; i < changes; i++) {
            // Allow one group (1% of the identities) on one more port, then take it back: each change rewrites ~100 rows.
            Policy p = cnp("change", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: [{matchLabels: "
                    + "{group: g" + Math.floorMod(i, 100) + "}}], toPorts: [{ports: [{port: '" + (7000 + Math.floorMod(i, 50)) + "', protocol: TCP}]}]}]}");
            long t0 = System.nanoTime();
            EngineDelta d = i % 2 == 0 ? w.engine.upsertPolicy(p) : w.engine.deletePolicy(p.key());
            long t1 = System.nanoTime();
            ApplyResult r = dp.apply(d).orThrow();
            long t2 = System.nanoTime();
            if (i < 0) continue;
            engine[i] = (t1 - t0) / 1e6;
            datapath[i] = (t2 - t1) / 1e6;
            total[i] = (t2 - t0) / 1e6;
            writes += r.writes();
        }
        System.out.printf(Locale.ROOT, "policy change -> maps hold it, %d identities, %d changes (%.0f map writes each on average):%n",
                10000, changes, (double) writes / changes);
        System.out.printf(Locale.ROOT, "  engine    p50 %6.2f ms  p99 %6.2f ms%n", pct(engine, 50), pct(engine, 99));
        System.out.printf(Locale.ROOT, "  datapath  p50 %6.2f ms  p99 %6.2f ms%n", pct(datapath, 50), pct(datapath, 99));
        System.out.printf(Locale.ROOT, "  total     p50 %6.2f ms  p99 %6.2f ms%n", pct(total, 50), pct(total, 99));
        goal(pct(total, 99) < 10, "rule change -> maps, judged on total p99 (ms)", pct(total, 99), "< 10");
        w.detach(dp);
    }

    static double pct(double[] xs, int p) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    /** The policy world of one size: identities, each with an address, all allowed to the server on {@link #PORTS}. */
    static final class World {
        final PolicyEngine engine = new PolicyEngine("default");
        final Map<InetAddress, Integer> addresses = new LinkedHashMap<>();
        final Pod client;
        final Pod server;

        private World(Pod client, Pod server) {
            this.client = client;
            this.server = server;
        }

        static World of(int identities, Pod client, Pod server) {
            World w = new World(client, server);
            w.engine.upsertIdentity(pod(500, "app=server"));
            w.engine.upsertEndpoint(new LocalEndpoint("server", pod(500, "app=server")));
            Identity c = pod(501, "app=client,bench=member,group=g0");
            w.engine.upsertIdentity(c);
            w.engine.upsertEndpoint(new LocalEndpoint("client", c));
            for (int i = 1; i < identities; i++) {
                int id = 1000 + i;
                w.engine.upsertIdentity(pod(id, "app=peer,bench=member,group=g" + (i % 100)));
                w.addresses.put(IpPrefix.address("10." + (100 + i / 65536) + "." + ((i / 256) % 256) + "." + (i % 256)), id);
            }
            // The measured client sits in the middle of the rules (a linear chain's average case).
            Map<InetAddress, Integer> ordered = new LinkedHashMap<>();
            int half = w.addresses.size() / 2;
            int k = 0;
            for (Map.Entry<InetAddress, Integer> e : w.addresses.entrySet()) {
                if (k++ == half) ordered.put(client.ipv4(), 501);
                ordered.put(e.getKey(), e.getValue());
            }
            if (w.addresses.isEmpty()) ordered.put(client.ipv4(), 501);
            w.addresses.clear();
            w.addresses.putAll(ordered);
            String ports = String.join(", ", Arrays.stream(PORTS).mapToObj(p -> "{port: '" + p + "', protocol: TCP}").toList());
            w.engine.upsertPolicy(cnp("bench", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: "
                    + "[{matchLabels: {bench: member}}], toPorts: [{ports: [" + ports + "]}]}]}"));
            return w;
        }

        List<Nftables.Pair> pairs() {
            List<Nftables.Pair> out = new ArrayList<>();
            for (InetAddress a : addresses.keySet()) for (int p : PORTS) out.add(new Nftables.Pair(a, p));
            return out;
        }

        void attach(Datapath dp) {
            for (Map.Entry<InetAddress, Integer> e : addresses.entrySet()) dp.ipcache().upsert(IpPrefix.host(e.getKey()), e.getValue());
            dp.ipcache().upsert(IpPrefix.host(server.ipv4()), 500);
            VerdictTable st = engine.table("server");
            dp.attach("server", server.veth(), 500, st);
            dp.attach("client", client.veth(), 501, engine.table("client"));
        }

        void detach(Datapath dp) {
            dp.detach("server");
            dp.detach("client");
            for (InetAddress a : addresses.keySet()) dp.ipcache().remove(IpPrefix.host(a));
        }
    }
}
