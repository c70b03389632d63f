package dev.ward.lab;

import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.GuestRun;
import dev.ward.testbed.UserModeLinux;
import dev.ward.xfrm.EspAlgorithm;
import dev.ward.xfrm.InstalledPolicy;
import dev.ward.xfrm.KernelEspSupport;
import dev.ward.xfrm.PolicyDirection;
import dev.ward.xfrm.PolicyTemplate;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.Selector;
import dev.ward.xfrm.TemplateLevel;
import dev.ward.xfrm.XfrmBatchResult;
import dev.ward.xfrm.XfrmClient;
import dev.ward.xfrm.XfrmPolicy;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * bench/xfrm-program: installs, dumps and deletes 10,000 SAs and 10,000 policies with Ward and with
 * {@code ip -batch} over the same kernel in the same run, and times a 10,000-policy dump on the host kernel.
 * SAs need ESP, so on a host without it the SA/policy comparison runs in a user-mode Linux guest.
 */
public final class XfrmProgramBenchmark {
    static final int COUNT = 10_000;
    private static final String NS_WARD = "ward-bench-w", NS_IP = "ward-bench-i", NS_WARM = "ward-bench-warm";

    private final PrintStream out;

    XfrmProgramBenchmark(PrintStream out) {
        this.out = out;
    }

    /** A full mesh's worth: 100 nodes x 100 peers, one SA per ordered pair, distinct SPIs and keys. */
    static List<SecurityAssociation> sas(int count) {
        List<SecurityAssociation> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[20];
            Arrays.fill(key, (byte) (i * 7 + 1));
            key[0] = (byte) (i >>> 8);
            key[1] = (byte) i;
            out.add(SecurityAssociation.esp(node(i / 100), node(100 + i % 100), 0x10000 + i, EspAlgorithm.aesGcm(key)).reqid(i + 1).build());
        }
        return out;
    }

    static List<XfrmPolicy> policies(int count) {
        List<XfrmPolicy> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            IpPrefix src = IpPrefix.parse("10." + (100 + i / 250) + "." + (i % 250) + ".0/24");
            IpPrefix dst = IpPrefix.parse("10.200." + (i / 250) + "." + (i % 250) + "/32");
            out.add(XfrmPolicy.allow(Selector.between(src, dst), PolicyDirection.OUT, 100,
                    PolicyTemplate.tunnel(node(i / 100), node(100 + i % 100), i + 1, TemplateLevel.REQUIRED)));
        }
        return out;
    }

    private static InetAddress node(int n) {
        return IpPrefix.address("172.30." + (n / 200) + "." + (n % 200 + 1));
    }

    // ---- the comparison, on a kernel with ESP

    record Row(String operation, double wardMicros, double ipMicros) {}

    List<Row> compare() throws Exception {
        List<SecurityAssociation> sas = sas(COUNT);
        List<XfrmPolicy> pols = policies(COUNT);
        warmUp();
        List<Row> rows = new ArrayList<>();
        Path sasAdd = batchFile("sa-add", sas.stream().map(XfrmProgramBenchmark::ipAdd).toList());
        Path sasDel = batchFile("sa-del", sas.stream().map(sa -> "xfrm state delete src " + sa.source().getHostAddress() + " dst "
                + sa.destination().getHostAddress() + " proto esp spi " + sa.spi()).toList());
        Path polAdd = batchFile("pol-add", pols.stream().map(XfrmProgramBenchmark::ipAdd).toList());
        Path polDel = batchFile("pol-del", pols.stream().map(p -> "xfrm policy delete src " + p.selector().source() + " dst "
                + p.selector().destination() + " dir out").toList());
        for (String ns : List.of(NS_WARD, NS_IP)) fresh(ns);
        try (XfrmClient x = XfrmClient.open(NS_WARD)) {
            rows.add(new Row("install 10000 SAs", micros(() -> require(x.addAll(sas))), micros(() -> ip("-n", NS_IP, "-batch", sasAdd.toString()))));
            rows.add(new Row("install 10000 policies", micros(() -> require(x.addAllPolicies(pols))), micros(() -> ip("-n", NS_IP, "-batch", polAdd.toString()))));
            rows.add(new Row("dump 10000 SAs", micros(() -> count(x.states().size())), micros(() -> ipList(NS_IP, "state", "src "))));
            rows.add(new Row("dump 10000 policies", micros(() -> count(x.policies().size())), micros(() -> ipList(NS_IP, "policy", "src "))));
            rows.add(new Row("delete 10000 SAs", micros(() -> require(x.deleteAll(sas.stream().map(SecurityAssociation::id).toList()))),
                    micros(() -> ip("-n", NS_IP, "-batch", sasDel.toString()))));
            rows.add(new Row("delete 10000 policies", micros(() -> require(x.deleteAllPolicies(pols.stream().map(XfrmPolicy::key).toList()))),
                    micros(() -> ip("-n", NS_IP, "-batch", polDel.toString()))));
            if (!x.states().isEmpty() || !x.policies().isEmpty()) throw new IllegalStateException("Ward's deletes left entries behind");
        } finally {
            for (String ns : List.of(NS_WARD, NS_IP)) if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
        }
        return rows;
    }

    /** One unmeasured round so class loading and JIT are not billed to the first measured operation. */
    private void warmUp() {
        fresh(NS_WARM);
        try (XfrmClient x = XfrmClient.open(NS_WARM)) {
            List<SecurityAssociation> s = sas(1000);
            require(x.addAll(s));
            require(x.addAllPolicies(policies(1000)));
            x.states();
            x.policies();
            require(x.deleteAll(s.stream().map(SecurityAssociation::id).toList()));
            x.flushPolicies();
        } finally {
            NetworkNamespace.delete(NS_WARM);
        }
    }

    private static String ipAdd(SecurityAssociation sa) {
        EspAlgorithm.Aead a = (EspAlgorithm.Aead) sa.algorithm();
        return "xfrm state add src " + sa.source().getHostAddress() + " dst " + sa.destination().getHostAddress() + " proto esp spi "
                + sa.spi() + " reqid " + sa.reqid() + " mode tunnel aead " + a.name() + " 0x" + HexFormat.of().formatHex(a.key()) + " 128";
    }

    private static String ipAdd(XfrmPolicy p) {
        PolicyTemplate t = p.templates().getFirst();
        return "xfrm policy add src " + p.selector().source() + " dst " + p.selector().destination() + " dir out priority "
                + p.priority() + " tmpl src " + t.source().getHostAddress() + " dst " + t.destination().getHostAddress()
                + " proto esp reqid " + t.reqid() + " mode tunnel";
    }

    // ---- the host-kernel dump timing

    record DumpTiming(double wardFirstMillis, double wardMinMillis, double wardMedianMillis, double ipMinMillis) {}

    DumpTiming hostPolicyDump() throws Exception {
        fresh(NS_WARD);
        try (XfrmClient x = XfrmClient.open(NS_WARD)) {
            require(x.addAllPolicies(policies(COUNT)));
            long cold = System.nanoTime();
            count(x.policies().size());
            double first = (System.nanoTime() - cold) / 1e6;
            for (int i = 0; i < 5; i++) count(x.policies().size()); // JIT warm-up, as a long-running agent would be
            double[] ward = new double[11];
            for (int i = 0; i < ward.length; i++) {
                long t = System.nanoTime();
                List<InstalledPolicy> got = x.policies();
                ward[i] = (System.nanoTime() - t) / 1e6;
                count(got.size());
            }
            double[] ip = new double[3];
            for (int i = 0; i < ip.length; i++) ip[i] = micros(() -> ipList(NS_WARD, "policy", "src ")) / 1000.0 * COUNT;
            Arrays.sort(ward);
            Arrays.sort(ip);
            return new DumpTiming(first, ward[0], ward[ward.length / 2], ip[0]);
        } finally {
            NetworkNamespace.delete(NS_WARD);
        }
    }

    // ---- plumbing

    private interface Work {
        void run() throws Exception;
    }

    private static double micros(Work w) throws Exception {
        long t = System.nanoTime();
        w.run();
        return (System.nanoTime() - t) / 1e3 / COUNT;
    }

    private static void require(XfrmBatchResult<?> r) {
        if (!r.allSucceeded()) throw new IllegalStateException(r.failures().size() + " refused, first: " + r.failures().getFirst().error().getMessage());
    }

    private static void count(int n) {
        if (n != COUNT) throw new IllegalStateException("dump returned " + n + " entries, expected " + COUNT);
    }

    private static void fresh(String ns) {
        if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
        NetworkNamespace.create(ns);
    }

    private static Path batchFile(String name, List<String> lines) throws IOException {
        Path f = Files.createTempFile("ward-bench-" + name, ".batch");
        f.toFile().deleteOnExit();
        Files.write(f, lines);
        return f;
    }

    private static String ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("ip " + String.join(" ", args) + " failed: " + text.lines().limit(3).toList());
        }
        return text;
    }

    private static void ipList(String ns, String what, String entryStart) throws Exception {
        String text = ip("-n", ns, "xfrm", what);
        long entries = text.lines().filter(l -> l.startsWith(entryStart)).count();
        if (entries != COUNT) throw new IllegalStateException("ip xfrm " + what + " listed " + entries + ", expected " + COUNT);
    }

    void print(List<Row> rows, String where) {
        out.println("xfrm-program: " + COUNT + " SAs (rfc4106(gcm(aes)) tunnel) and " + COUNT + " policies, " + where);
        out.printf("%-24s %14s %18s %16s%n", "operation", "ward us/op", "ip -batch us/op", "ip/ward ratio");
        for (Row r : rows) out.printf("%-24s %14.1f %18.1f %15.1fx%n", r.operation(), r.wardMicros(), r.ipMicros(), r.ipMicros() / r.wardMicros());
    }

    /** {@code guest REPORT}: the comparison (inside a kernel with ESP); no argument: everything, from the host. */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("guest")) {
            try (PrintStream report = new PrintStream(Files.newOutputStream(Path.of(args[1])), true, StandardCharsets.UTF_8)) {
                XfrmProgramBenchmark b = new XfrmProgramBenchmark(report);
                b.print(b.compare(), "kernel " + System.getProperty("os.version") + " (user-mode Linux guest, 1 CPU)");
            }
            return;
        }
        XfrmProgramBenchmark b = new XfrmProgramBenchmark(System.out);
        KernelEspSupport host = KernelEspSupport.ofRunningKernel();
        if (host.sufficient()) {
            b.print(b.compare(), "host kernel " + System.getProperty("os.version"));
        } else {
            System.out.println("host " + host.describe() + ": running the SA/policy comparison in user-mode Linux (takes a minute or two)");
            Path work = Path.of(args.length > 0 ? args[0] : "lab-out/bench").toAbsolutePath();
            Files.createDirectories(work);
            Path report = work.resolve("xfrm-program.txt");
            Files.deleteIfExists(report);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cmd = String.join(" ", List.of(java, "-XX:+UseSerialGC", "-Xmx1g", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                    "-Djava.io.tmpdir=" + UserModeLinux.guestTmpDir(work),
                    "-cp", "'" + System.getProperty("java.class.path") + "'", XfrmProgramBenchmark.class.getName(), "guest", report.toString()));
            GuestRun run = new UserModeLinux("ward-bench-uml", work, 2048, Duration.ofMinutes(20)).run(List.of(cmd));
            if (!run.succeeded() || !Files.exists(report)) {
                throw new IllegalStateException("the benchmark failed in the guest (exit " + run.exitCode() + "); console: " + run.consoleLog());
            }
            Files.readAllLines(report).forEach(System.out::println);
        }
        DumpTiming d = b.hostPolicyDump();
        System.out.printf("host kernel %s: dump + parse of %d policies: ward median %.1f ms, min %.1f ms (11 runs after 6 warm-up; "
                        + "the very first, cold JVM: %.1f ms); ip xfrm policy %.1f ms (min of 3); target < 100 ms (median): %s%n",
                System.getProperty("os.version"), COUNT, d.wardMedianMillis(), d.wardMinMillis(), d.wardFirstMillis(), d.ipMinMillis(),
                d.wardMedianMillis() < 100 ? "met" : "MISSED");
    }
}
