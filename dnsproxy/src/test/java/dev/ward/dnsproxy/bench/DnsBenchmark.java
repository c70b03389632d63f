package dev.ward.dnsproxy.bench;

import dev.ward.dnsproxy.DnsProxy;
import dev.ward.dnsproxy.EnginePolicyHost;
import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.policy.IpcacheView;
import dev.ward.dnsproxy.proxy.ProxySettings;
import dev.ward.dnsproxy.testing.AgentSide;
import dev.ward.dnsproxy.testing.NetnsTopology;
import dev.ward.testbed.UnboundServer;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * bench/dns: dnsperf from a pod namespace against (a) unbound directly, (b) dnsmasq as a plain forwarder (no cache) in
 * the node namespace in front of unbound, (c) Ward's proxy in the node namespace in front of unbound, reached through
 * TPROXY, with 1,000 DNS rules and 10,000 learned names. All three cross the same veths; one run, same machine, the
 * three taking turns for max QPS round by round (median of the rounds), then a paced run each for p50/p99 latency.
 * Prints the figures, the ratios against the goals, and the answer path's datapath timings.
 */
public final class DnsBenchmark {
    static final int NAMES = Integer.getInteger("bench.names", 10_000);
    static final int RULES = Integer.getInteger("bench.rules", 1_000);
    /** Names first seen during the run: each one's answer waits for an engine update and the datapath. */
    static final int FRESH = Integer.getInteger("bench.fresh", 2_000);
    static final int SECONDS = Integer.getInteger("bench.seconds", 10);
    static final int CLIENTS = Integer.getInteger("bench.clients", 4);
    static final int OUTSTANDING = Integer.getInteger("bench.outstanding", 100);

    /** Latency is measured apart from throughput, at a rate none of the three saturates (closed-loop latency is queueing). */
    static final int RATE = Integer.getInteger("bench.rate", 2_000);

    /** p50/p99 come from per-query latencies (paced runs only); every run has dnsperf's mean. */
    record Result(String name, double qps, double meanMs, double p50Ms, double p99Ms, long answered, long lost) {}

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("ward-bench-dns");
        List<String> zone = new ArrayList<>();
        StringBuilder queries = new StringBuilder();
        StringBuilder fresh = new StringBuilder();
        for (int i = 0; i < NAMES; i++) {
            zone.add("n" + i + ".bench.test. 300 IN A " + address(i));
            queries.append("n").append(i).append(".bench.test A\n");
        }
        for (int i = 0; i < FRESH; i++) {
            zone.add("m" + i + ".bench.test. 300 IN A 198.19." + (i / 250) + "." + (1 + i % 250));
            fresh.append("m").append(i).append(".bench.test A\n");
        }
        Path queryFile = work.resolve("queries.txt");
        Files.writeString(queryFile, queries);
        Path freshFile = work.resolve("fresh.txt");
        Files.writeString(freshFile, fresh);
        System.out.printf("bench/dns: %d names, %d DNS rules, %d learned names, dnsperf -c %d -q %d for %d s each%n",
                NAMES, RULES, NAMES, CLIENTS, OUTSTANDING, SECONDS);
        try (NetnsTopology net = NetnsTopology.create();
             UnboundServer unbound = UnboundServer.start(net.dns, NetnsTopology.DNS, work.resolve("unbound"), zone)) {
            Cmd.none(net);
            // All three targets stay up for the whole run and take turns, round by round (an idle one costs nothing):
            // the machine's speed drifts by 20% and more over minutes, which one pass per target would put in the ratio.
            Process fwd = startDnsmasq(net, work);
            WardUnderTest ward = WardUnderTest.start(net);
            try {
                List<Target> targets = List.of(
                        new Target("unbound (direct)", NetnsTopology.DNS, () -> Cmd.none(net)),
                        new Target("dnsmasq forwarder -> unbound", "10.77.1.1", () -> Cmd.none(net)),
                        new Target("Ward proxy -> unbound", NetnsTopology.DNS, () -> net.redirect(ward.proxy.port())));
                // Both forwarders' first seconds (Ward's JIT) are not measured.
                for (Target t : targets.subList(1, 3)) {
                    t.select.run();
                    dnsperf(net, t.name + " (warm-up, not counted)", t.server, queryFile, 10, List.of());
                }
                Map<String, List<Result>> max = new LinkedHashMap<>();
                for (int round = 1; round <= ROUNDS; round++) {
                    System.out.println("round " + round + ":");
                    for (Target t : targets) {
                        t.select.run();
                        max.computeIfAbsent(t.name, k -> new ArrayList<>()).add(dnsperf(net, "  " + t.name + " (max)", t.server, queryFile, List.of()));
                    }
                }
                Map<String, Result> paced = new LinkedHashMap<>();
                for (Target t : targets) {
                    t.select.run();
                    paced.put(t.name, dnsperf(net, t.name + " (at " + RATE + " QPS)", t.server, queryFile, List.of("-v", "-Q", String.valueOf(RATE))));
                }
                net.redirect(ward.proxy.port());
                ward.report("steady state (names already learned)");
                Map<String, long[]> before = ward.buckets();
                dnsperfOnce(net, "Ward proxy, " + FRESH + " names never seen before", NetnsTopology.DNS, freshFile);
                ward.reportSince(before, "first answers for new names");

                System.out.println();
                System.out.printf("%-30s %9s %11s %11s %10s %7s   %s%n", "target", "max QPS", "p50 ms *", "p99 ms *", "mean @max", "lost", "max QPS by round");
                Map<String, Double> qps = new LinkedHashMap<>();
                for (Target t : targets) {
                    List<Result> rs = max.get(t.name);
                    double median = median(rs.stream().mapToDouble(Result::qps).toArray());
                    qps.put(t.name, median);
                    Result p = paced.get(t.name);
                    long lost = p.lost + rs.stream().mapToLong(Result::lost).sum();
                    System.out.printf("%-30s %9.0f %11.3f %11.3f %10.3f %7d   %s%n", t.name, median, p.p50Ms, p.p99Ms,
                            median(rs.stream().mapToDouble(Result::meanMs).toArray()), lost,
                            rs.stream().map(r -> String.format("%.0f", r.qps)).toList());
                }
                System.out.printf("* latency at %d QPS (paced); max QPS: median of %d rounds, the targets taking turns; @max: mostly queueing%n", RATE, ROUNDS);
                double wardQps = qps.get(targets.get(2).name), dnsmasqQps = qps.get(targets.get(1).name), directQps = qps.get(targets.get(0).name);
                double added = paced.get(targets.get(2).name).p99Ms - paced.get(targets.get(0).name).p99Ms;
                System.out.printf("ratio max QPS Ward / dnsmasq: %.2f (goal >= 1.00): %s; Ward / unbound direct: %.2f%n",
                        wardQps / dnsmasqQps, wardQps >= dnsmasqQps ? "MET" : "FAIL", wardQps / directQps);
                System.out.printf("added p99 at %d QPS, Ward vs unbound direct: %.3f ms (goal < 1 ms): %s; dnsmasq adds %.3f ms%n", RATE,
                        added, added < 1 ? "MET" : "FAIL", paced.get(targets.get(1).name).p99Ms - paced.get(targets.get(0).name).p99Ms);
            } finally {
                ward.close();
                fwd.destroy();
                fwd.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A server dnsperf is pointed at, and how the node's rules are set for it (redirected to Ward or not). */
    record Target(String name, String server, Runnable select) {}

    static final int ROUNDS = Integer.getInteger("bench.rounds", 5);

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Ward's proxy as the agent will run it: a real engine with the rules and learned names, in-memory maps. */
    static final class WardUnderTest implements AutoCloseable {
        final ExecutorService loop = Executors.newSingleThreadExecutor();
        final PrometheusRegistry registry = new PrometheusRegistry();
        EnginePolicyHost host;
        DnsProxy proxy;
        InMemoryDatapath datapath = new InMemoryDatapath();

        static WardUnderTest start(NetnsTopology net) throws Exception {
            WardUnderTest w = new WardUnderTest();
            StringBuilder rules = new StringBuilder();
            for (int i = 0; i < RULES - 1; i++) rules.append("        - matchName: \"svc").append(i).append(".other.test\"\n");
            rules.append("        - matchPattern: \"*.bench.test\"\n");
            String policy = """
                    apiVersion: cilium.io/v2
                    kind: CiliumNetworkPolicy
                    metadata: {name: bench, namespace: default}
                    spec:
                      endpointSelector: {matchLabels: {app: client}}
                      egress:
                      - toCIDR: [10.77.2.0/24]
                        toPorts:
                        - ports: [{port: "53", protocol: ANY}]
                          rules:
                            dns:
                    %s  - toFQDNs: [{matchPattern: "*.bench.test"}]
                        toPorts: [{ports: [{port: "443", protocol: TCP}]}]
                    """.formatted(rules.toString().replace("        - ", "            - "));
            PolicyEngine engine = new PolicyEngine("default");
            IpcacheView ipcache = new IpcacheView();
            EnginePolicyHost[] h = new EnginePolicyHost[1];
            DnsProxyMetrics metrics = new DnsProxyMetrics(w.registry, () -> h[0] == null ? 0 : h[0].learner().size());
            long t0 = System.nanoTime();
            w.loop.submit(() -> {
                Identity client = AgentSide.pod(300, "app=client");
                apply(w, ipcache, engine.upsertIdentity(client));
                for (ParsedDocument d : new PolicyParser().parse(policy, "bench.yaml")) {
                    if (!d.ok()) throw new IllegalStateException(d.errors().toString());
                    apply(w, ipcache, engine.upsertPolicy(d.policy()));
                }
                apply(w, ipcache, engine.upsertEndpoint(new LocalEndpoint("default/client", client)));
                return null;
            }).get();
            w.host = new EnginePolicyHost(engine, w.loop, ipcache, w.datapath, OpenConnections.NONE, null,
                    EngineFqdnLearner.Settings.DEFAULT, Clock.systemUTC(), ipcache::engineChanged, metrics::persistFailed);
            h[0] = w.host;
            InetAddress pod = InetAddress.getByName(NetnsTopology.POD_A);
            w.loop.submit(() -> w.host.rules().setEndpoint("default/client", 300, List.of(pod))).get();
            // The names the load asks, learned beforehand through the learner as earlier answers would have taught
            // them: the measured run is a node's steady state, pods asking names they asked before.
            List<java.util.concurrent.CompletableFuture<Void>> learned = new ArrayList<>();
            for (int i = 0; i < NAMES; i++) {
                learned.add(w.host.learner().learn("default/client", "n" + i + ".bench.test", List.of(InetAddress.getByName(address(i))), 3600));
            }
            java.util.concurrent.CompletableFuture.allOf(learned.toArray(new java.util.concurrent.CompletableFuture[0])).get();
            System.out.printf("Ward: engine with %d DNS rules and %d learned names ready in %.1f s (ipcache %d entries)%n",
                    RULES, NAMES, (System.nanoTime() - t0) / 1e9, w.datapath.ipcacheSize());
            ProxySettings settings = ProxySettings.DEFAULT.withRateLimit(0, 0);
            w.proxy = DnsProxy.start(new DnsProxy.Config(new InetSocketAddress(0), net.node, 2, 2, 8, settings),
                    w.host.rules(), w.host.learner(), e -> {}, metrics);
            System.out.println("Ward: per-source rate limit off for the run (one dnsperf source is the whole load)");
            return w;
        }

        static void apply(WardUnderTest w, IpcacheView ipcache, EngineDelta d) {
            ipcache.engineChanged(d);
            w.datapath.apply(d);
        }

        static final List<String> PATH = List.of("ward_dns_datapath_update_seconds", "ward_dns_release_after_datapath_seconds");
        double[] bounds;

        /** Per-bucket counts of the answer-path histograms now. */
        Map<String, long[]> buckets() {
            Map<String, long[]> out = new java.util.HashMap<>();
            for (MetricSnapshot s : registry.scrape()) {
                if (!(s instanceof HistogramSnapshot h) || !PATH.contains(h.getMetadata().getName())) continue;
                var b = h.getDataPoints().getFirst().getClassicBuckets();
                long[] c = new long[b.size()];
                bounds = new double[b.size()];
                for (int i = 0; i < b.size(); i++) {
                    c[i] = b.getCount(i);
                    bounds[i] = b.getUpperBound(i);
                }
                out.put(h.getMetadata().getName(), c);
            }
            return out;
        }

        void report(String phase) {
            reportSince(Map.of(), phase);
        }

        void reportSince(Map<String, long[]> before, String phase) {
            Map<String, long[]> now = buckets();
            for (String n : PATH) {
                long[] c = now.get(n).clone();
                long[] b = before.get(n);
                long total = 0;
                for (int i = 0; i < c.length; i++) {
                    if (b != null) c[i] -= b[i];
                    total += c[i];
                }
                System.out.printf("Ward %s, %s: %d answers, p50 <= %s ms, p99 <= %s ms (histogram bucket bounds)%n", phase,
                        n.equals(PATH.get(0)) ? "datapath update (answer -> maps confirmed)" : "maps confirmed -> answer released",
                        total, bound(c, total, 0.50), bound(c, total, 0.99));
            }
        }

        String bound(long[] c, long total, double q) {
            long target = (long) Math.ceil(total * q);
            long cumulative = 0;
            for (int i = 0; i < c.length; i++) {
                cumulative += c[i];
                if (cumulative >= target && total > 0) return Double.isInfinite(bounds[i]) ? "inf" : String.format("%.3f", bounds[i] * 1000);
            }
            return "-";
        }

        @Override
        public void close() {
            if (proxy != null) proxy.close();
            if (host != null) host.close();
            loop.shutdownNow();
        }
    }

    static String address(int i) {
        return "198.18." + (i / 250) + "." + (1 + i % 250);
    }

    /** One pass over a query file (each name asked once), for the first-answer path. */
    static void dnsperfOnce(NetnsTopology net, String name, String server, Path queries) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", net.pod, "dnsperf", "-s", server, "-d", queries.toString(),
                "-n", "1", "-c", String.valueOf(CLIENTS), "-q", String.valueOf(OUTSTANDING), "-T", "1", "-t", "2")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        String qps = out.lines().map(String::strip).filter(l -> l.startsWith("Queries per second:")).findFirst().orElse("?");
        String lost = out.lines().map(String::strip).filter(l -> l.startsWith("Queries lost:")).findFirst().orElse("?");
        System.out.printf("%s: %s, %s%n", name, qps, lost);
    }

    static Process startDnsmasq(NetnsTopology net, Path work) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", net.node, "dnsmasq", "--keep-in-foreground", "--no-resolv",
                "--no-hosts", "--server=" + NetnsTopology.DNS, "--listen-address=10.77.1.1", "--bind-interfaces",
                "--cache-size=0", "--dns-forward-max=1000", "--port=53", "--pid-file=" + work.resolve("dnsmasq.pid"), "--user=root")
                .redirectErrorStream(true).redirectOutput(work.resolve("dnsmasq.log").toFile()).start();
        Thread.sleep(500);
        if (!p.isAlive()) throw new IllegalStateException("dnsmasq exited: " + Files.readString(work.resolve("dnsmasq.log")));
        return p;
    }

    static Result dnsperf(NetnsTopology net, String name, String server, Path queries, List<String> extra) throws Exception {
        return dnsperf(net, name, server, queries, SECONDS, extra);
    }

    static Result dnsperf(NetnsTopology net, String name, String server, Path queries, int seconds, List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.pod, "dnsperf", "-s", server, "-d", queries.toString(),
                "-l", String.valueOf(seconds), "-c", String.valueOf(CLIENTS), "-q", String.valueOf(OUTSTANDING), "-T", "1",
                "-t", "2"));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        double[] lat = new double[1 << 20];
        int n = 0;
        double qps = 0;
        long completed = 0;
        long lost = 0;
        double mean = Double.NaN;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("> ")) {
                    String[] t = line.split(" ");
                    if (t.length >= 5 && !t[1].equals("T")) {
                        if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                        lat[n++] = Double.parseDouble(t[t.length - 1]);
                    }
                    continue;
                }
                String s = line.strip();
                if (s.startsWith("Queries per second:")) qps = Double.parseDouble(s.split(":")[1].strip());
                if (s.startsWith("Queries completed:")) completed = Long.parseLong(s.split(":")[1].strip().split(" ")[0]);
                if (s.startsWith("Queries lost:")) lost = Long.parseLong(s.split(":")[1].strip().split(" ")[0]);
                if (s.startsWith("Average Latency (s):")) mean = Double.parseDouble(s.split(":")[1].strip().split(" ")[0]) * 1000;
            }
        }
        p.waitFor();
        double[] sorted = Arrays.copyOf(lat, n);
        Arrays.sort(sorted);
        double p50 = n == 0 ? Double.NaN : sorted[(int) (n * 0.50)] * 1000;
        double p99 = n == 0 ? Double.NaN : sorted[Math.min(n - 1, (int) (n * 0.99))] * 1000;
        if (completed > 0 && Double.isNaN(mean)) throw new IllegalStateException(name + ": dnsperf printed no average latency");
        Result res = new Result(name, qps, mean, p50, p99, completed, lost);
        String percentiles = n == 0 ? "" : String.format(", p50 %.3f ms, p99 %.3f ms", p50, p99);
        System.out.printf("%s: %.0f QPS, mean %.3f ms%s, %d answered, %d lost%n", name, qps, mean, percentiles, completed, lost);
        return res;
    }

    /** Removes the TPROXY rules (for the runs that must reach their server unredirected). */
    static final class Cmd {
        static void none(NetnsTopology net) {
            dev.ward.testbed.Cmd.run("ip", "netns", "exec", net.node, "nft", "flush", "ruleset");
        }
    }
}
