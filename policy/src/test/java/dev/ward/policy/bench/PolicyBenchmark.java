package dev.ward.policy.bench;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Policy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * bench/policy: the policy engine at cluster scale. Builds a synthetic cluster (identities, 1,000 mixed policies,
 * 100 local endpoints), measures the full computation (time, heap, table rows), then the latency of incremental
 * updates (a new rule, a new identity, a new DNS answer) at p50/p99, each beside the peer a non-incremental engine
 * would pay for the same change: recomputing the affected endpoints' tables from scratch. Updates are timed from
 * the engine call on (a rule's YAML is parsed before, and that time is printed apart), in wall clock and in the
 * thread's CPU time; a fixed loop timed after each update shows what the shared machine adds to the wall clock.
 * Repeats at several identity counts to show how cost grows. Run by bench/policy; not a test.
 */
public final class PolicyBenchmark {
    private static final int POLICIES = 1000;
    private static final int ENDPOINTS = 100;

    record Result(int identities, double fullMs, double heapMb, long rows, double[] ruleUs, double[] idUs, double[] fqdnUs,
                  double[] ruleFullUs, double[] idFullUs, double[] fqdnFullUs, double[] ruleCpuUs, double[] idCpuUs,
                  double[] fqdnCpuUs, double[] parseUs, double[] jitterUs) {}

    /** Latencies of one kind of update: wall clock, the thread's CPU time, the peer's, the untimed preparation's. */
    record Samples(double[] wall, double[] cpu, double[] peer, double[] prepare) {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length == 0 ? new int[] {1000, 10000, 50000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        int samples = Integer.getInteger("samples", 1000);
        int peerSamples = Integer.getInteger("peer.samples", 30);
        System.out.printf(Locale.ROOT, "policy engine benchmark: %d policies, %d local endpoints, %d samples per update kind "
                + "(%d for the full-recomputation peer)%n", POLICIES, ENDPOINTS, samples, peerSamples);
        // One untimed round first, so the first measured size does not pay for JIT compilation.
        System.out.println("warm-up round (not reported):");
        run(sizes[0], samples / 3, 3);
        System.out.println();
        List<Result> results = new ArrayList<>();
        for (int n : sizes) results.add(run(n, samples, peerSamples));
        System.out.println();
        System.out.printf(Locale.ROOT, "%-11s %10s %9s %10s | %-24s %-24s %-24s%n", "identities", "full ms", "heap MB", "rows",
                "add rule p50/p99 us", "add identity p50/p99 us", "add FQDN IP p50/p99 us");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-11d %10.0f %9.0f %10d | %-24s %-24s %-24s%n", r.identities, r.fullMs, r.heapMb, r.rows,
                    pp(r.ruleUs), pp(r.idUs), pp(r.fqdnUs));
        }
        System.out.println();
        System.out.println("the same updates in the engine thread's CPU time (wall clock less the time the machine ran something else):");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-11d %42s | %-24s %-24s %-24s%n", r.identities, "", pp(r.ruleCpuUs), pp(r.idCpuUs), pp(r.fqdnCpuUs));
        }
        System.out.println("(add rule times the engine only; parsing the policy's YAML, done before, took p50/p99 "
                + results.stream().map(r -> pp(r.parseUs)).toList() + " us)");
        System.out.println();
        System.out.println("peer: recomputing the affected endpoints' tables from scratch for the same change (p50/p99 us),");
        System.out.println("and the ratio peer p50 / incremental p50:");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-11d rule %-22s x%-8.0f identity %-22s x%-8.0f fqdn %-22s x%.0f%n", r.identities,
                    pp(r.ruleFullUs), p(r.ruleFullUs, 50) / p(r.ruleUs, 50),
                    pp(r.idFullUs), p(r.idFullUs, 50) / p(r.idUs, 50),
                    pp(r.fqdnFullUs), p(r.fqdnFullUs, 50) / p(r.fqdnUs, 50));
        }
        System.out.println();
        System.out.println("growth (relative to the first size; linear would equal the identity ratio):");
        Result base = results.getFirst();
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-11d identities x%-5.0f full time x%-6.1f heap x%-6.1f rows x%-6.1f add-identity p99 x%.1f%n",
                    r.identities, (double) r.identities / base.identities, r.fullMs / base.fullMs, r.heapMb / base.heapMb,
                    (double) r.rows / base.rows, p(r.idUs, 99) / p(base.idUs, 99));
        }
        for (Result r : results) {
            double[] jitter = r.jitterUs;
            System.out.printf(Locale.ROOT, "%nmachine jitter at %d identities: a fixed CPU loop of ~%.0f us, run after every timed update, measured "
                    + "p50/p99/max %.0f / %.0f / %.0f us (tails of this size come from the machine, not the engine)%n", r.identities,
                    p(jitter, 50), p(jitter, 50), p(jitter, 99), Arrays.stream(jitter).max().orElse(0));
        }
        Result at10k = results.stream().filter(r -> r.identities == 10000).findFirst().orElse(null);
        if (at10k != null) {
            double worst = Math.max(p(at10k.ruleUs, 99), Math.max(p(at10k.idUs, 99), p(at10k.fqdnUs, 99))) / 1000;
            double worstCpu = Math.max(p(at10k.ruleCpuUs, 99), Math.max(p(at10k.idCpuUs, 99), p(at10k.fqdnCpuUs, 99))) / 1000;
            System.out.printf(Locale.ROOT, "%ntarget: incremental p99 < 5 ms at 10,000 identities: worst p99 %.2f ms (CPU time %.2f ms) -> %s%n",
                    worst, worstCpu, worst < 5 ? "MET" : "NOT MET");
        }
    }

    private static Result run(int identities, int samples, int peerSamples) throws Exception {
        SyntheticCluster c = new SyntheticCluster(42);
        List<Identity> ids = new ArrayList<>();
        for (int i = 0; i < identities; i++) ids.add(c.identity(256 + i));
        List<Policy> policies = c.policies(POLICIES);
        gc();
        long heapBefore = heap();
        long t0 = System.nanoTime();
        PolicyEngine engine = new PolicyEngine("default");
        for (Identity id : ids) engine.upsertIdentity(id);
        long t1 = System.nanoTime();
        for (Policy p : policies) engine.upsertPolicy(p);
        long t2 = System.nanoTime();
        Random r = c.random();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ENDPOINTS; i++) {
            Identity id = ids.get(r.nextInt(ids.size()));
            String name = "ep" + i;
            names.add(name);
            engine.upsertEndpoint(new LocalEndpoint(name, id));
        }
        for (int i = 0; i < 40; i++) {
            engine.learnFqdn("www.svc" + i + ".example.com", List.of(InetAddress.getByAddress(new byte[] {(byte) 198, 51, (byte) i, 1})));
        }
        long t3 = System.nanoTime();
        double fullMs = (t3 - t0) / 1e6;
        System.out.printf(Locale.ROOT, "%6d identities: phases: identities %.0f ms, policies %.0f ms, endpoints and DNS answers %.0f ms%n",
                identities, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
        gc();
        double heapMb = (heap() - heapBefore) / 1024.0 / 1024.0;
        long rows = 0;
        for (String n : names) rows += engine.table(n).size();
        System.out.printf(Locale.ROOT, "%6d identities: full computation %.0f ms, heap %.0f MB, %d rows in %d tables, %d cached selections%n",
                identities, fullMs, heapMb, rows, names.size(), engine.cachedSelections());

        int[] nextId = {256 + identities};
        int[] nextPolicy = {POLICIES};
        int[] nextIp = {0};
        // Each update is prepared untimed (the rule parsed from YAML, the identity or address built), then applied timed.
        Supplier<Supplier<EngineDelta>> addRule = () -> {
            Policy p = SyntheticCluster.parse(c.policyYaml(nextPolicy[0]++));
            return () -> engine.upsertPolicy(p);
        };
        Supplier<Supplier<EngineDelta>> addIdentity = () -> {
            Identity id = c.identity(nextId[0]++);
            return () -> engine.upsertIdentity(id);
        };
        Supplier<Supplier<EngineDelta>> addFqdnIp = () -> {
            int n = nextIp[0]++;
            try {
                String name = "host" + n + ".svc" + (n % 40) + ".example.com";
                List<InetAddress> ips = List.of(InetAddress.getByAddress(new byte[] {(byte) 203, 0, (byte) (n >> 8), (byte) n}));
                return () -> engine.learnFqdn(name, ips);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        List<Double> jitter = new ArrayList<>();
        Samples rule = measure(engine, addRule, samples, peerSamples, jitter);
        Samples identity = measure(engine, addIdentity, samples, peerSamples, jitter);
        Samples fqdn = measure(engine, addFqdnIp, samples, peerSamples, jitter);
        return new Result(identities, fullMs, heapMb, rows, rule.wall, identity.wall, fqdn.wall, rule.peer, identity.peer, fqdn.peer,
                rule.cpu, identity.cpu, fqdn.cpu, rule.prepare, jitter.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * Incremental latency per sample (wall clock and CPU time), and for the first {@code peerSamples} samples the
     * peer's latency for the same change (microseconds). The peer is far slower, so it gets fewer samples. After
     * each timed update one run of the jitter loop is timed too, so the reference sees the machine as the updates did.
     */
    private static Samples measure(PolicyEngine engine, Supplier<Supplier<EngineDelta>> change, int samples, int peerSamples,
                                   List<Double> jitter) {
        for (int i = 0; i < samples / 5; i++) change.get().get();
        double[] inc = new double[samples];
        double[] cpu = new double[samples];
        double[] prepare = new double[samples];
        double[] full = new double[samples];
        for (int i = 0; i < samples; i++) {
            long p = System.nanoTime();
            Supplier<EngineDelta> update = change.get();
            long c = THREADS.getCurrentThreadCpuTime();
            long t = System.nanoTime();
            EngineDelta d = update.get();
            inc[i] = (System.nanoTime() - t) / 1e3;
            cpu[i] = (THREADS.getCurrentThreadCpuTime() - c) / 1e3;
            prepare[i] = (t - p) / 1e3;
            jitter.add(jitterOnce(i));
            Set<String> affected = d.tables().keySet();
            if (i >= peerSamples) {
                full[i] = Double.NaN;
                continue;
            }
            long f = System.nanoTime();
            for (String ep : affected) {
                VerdictTable ignored = engine.recomputeFromScratch(ep);
            }
            full[i] = (System.nanoTime() - f) / 1e3;
            if (affected.isEmpty()) full[i] = Double.NaN;
        }
        return new Samples(inc, cpu, Arrays.stream(full).filter(x -> !Double.isNaN(x)).toArray(), prepare);
    }

    private static long jitterSink;

    /** One run of a fixed computation: timed repeatedly on a shared VM, its tail shows scheduling noise. */
    private static double jitterOnce(int salt) {
        long t = System.nanoTime();
        long sink = 0;
        for (int k = 0; k < 200_000; k++) sink += (k * 31L) ^ salt;
        double us = (System.nanoTime() - t) / 1e3;
        jitterSink += sink;
        return us;
    }

    private static double p(double[] xs, int pct) {
        if (xs.length == 0) return Double.NaN;
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(pct / 100.0 * s.length) - 1)];
    }

    private static String pp(double[] xs) {
        return String.format(Locale.ROOT, "%.0f / %.0f", p(xs, 50), p(xs, 99));
    }

    private static void gc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    private static long heap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
