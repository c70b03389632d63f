package dev.ward.l7proxy.bench;

import dev.ward.testbed.GuestRun;
import dev.ward.testbed.UserModeLinux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * bench/l7-guest-servers: how long the L7 lab's servers take to start and answer, and what they hold, inside the
 * lab's user-mode Linux guest (one CPU, a JVM about 12x slower) against the same on this host, in one run. The
 * guest boots once with the lab's memory and runs {@link ServerStartup} with this JVM's class path through hostfs.
 *
 * <p>{@code main(workDir, server...)} with ServerStartup's server names; -Dhost=false skips the host's run.
 */
public final class GuestServerStartupBenchmark {
    static final int GUEST_MIB = Integer.getInteger("guestMiB", 3072);

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        List<String> servers = List.of(args).subList(1, args.length);
        Files.createDirectories(work);
        Map<String, ServerStartup.Figures> host = new LinkedHashMap<>();
        if (Boolean.parseBoolean(System.getProperty("host", "true"))) {
            for (String s : servers) {
                if (s.startsWith("all")) continue; // together they only say something on one CPU
                host.put(s, ServerStartup.measure(s));
                System.out.println("host  " + host.get(s).line());
            }
        }
        Map<String, ServerStartup.Figures> guest = inGuest(work, servers);
        print(servers, host, guest);
    }

    static Map<String, ServerStartup.Figures> inGuest(Path work, List<String> servers) throws IOException {
        Path results = work.resolve("guest-results.tsv");
        Files.deleteIfExists(results);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m", "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + UserModeLinux.guestTmpDir(work),
                "-cp", System.getProperty("java.class.path"), ServerStartup.class.getName(), results.toString()));
        cmd.addAll(servers);
        String umid = "wl7s" + Long.toString(ProcessHandle.current().pid(), 36);
        long t0 = System.nanoTime();
        GuestRun run = new UserModeLinux(umid, work, GUEST_MIB, Duration.ofMinutes(40)).run(List.of(
                "echo 1 > /proc/sys/kernel/printk", "cd " + quote(System.getProperty("user.dir")),
                "free -m", String.join(" ", cmd.stream().map(GuestServerStartupBenchmark::quote).toList()), "free -m"));
        System.out.printf(Locale.ROOT, "guest: booted and ran for %.1f s (exit %d), console %s%n",
                (System.nanoTime() - t0) / 1e9, run.exitCode(), run.consoleLog());
        Map<String, ServerStartup.Figures> out = new LinkedHashMap<>();
        if (Files.exists(results)) {
            for (String l : Files.readAllLines(results)) {
                ServerStartup.Figures f = ServerStartup.Figures.parse(l);
                out.put(f.server(), f);
            }
        }
        return out;
    }

    static void print(List<String> servers, Map<String, ServerStartup.Figures> host, Map<String, ServerStartup.Figures> guest) {
        System.out.printf(Locale.ROOT, "%-16s %-34s %10s %10s %7s%n", "server", "phase (ms from start)", "host", "guest", "ratio");
        for (String s : servers) {
            ServerStartup.Figures g = guest.get(s);
            ServerStartup.Figures h = host.get(s);
            if (g == null) {
                System.out.printf(Locale.ROOT, "%-16s (no guest figures: see the console log)%n", s);
                continue;
            }
            for (Map.Entry<String, Long> p : g.phases().entrySet()) {
                Long hv = h == null ? null : h.phases().get(p.getKey());
                System.out.printf(Locale.ROOT, "%-16s %-34s %10s %10d %7s%n", s, p.getKey(), hv == null ? "-" : hv,
                        p.getValue(), hv == null || hv == 0 ? "-" : String.format(Locale.ROOT, "%.1fx", p.getValue() / (double) hv));
            }
            System.out.printf(Locale.ROOT, "%-16s %-34s %10s %10d%n", s, "server RSS (MiB)", h == null ? "-" : h.rssMiB(), g.rssMiB());
            System.out.printf(Locale.ROOT, "%-16s %-34s %10s %10d%n", s, "machine memory used (MiB)", h == null ? "-" : h.usedMiB(), g.usedMiB());
            System.out.printf(Locale.ROOT, "%-16s %-34s %10s %10.1f%n", s, "idle CPU (% of one CPU)",
                    h == null ? "-" : String.format(Locale.ROOT, "%.1f", h.idleCpuPercent()), g.idleCpuPercent());
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
