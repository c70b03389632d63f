package dev.ward.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the machine's CPU went during a scenario, read from {@code /proc}: how busy it was and which processes took
 * it. In the one-CPU guest every daemon, server and tool competes with the scenario's checks, so a slow or failed
 * scenario names what held the CPU meanwhile. Processes the lab started and waited for (CNI plugins, wardctl, tools)
 * count in the lab's own children's time.
 */
public final class GuestCpu {
    /** Linux reports process times in USER_HZ ticks, 100 per second on every architecture Ward runs on. */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path PROC = Path.of("/proc");

    private final Path proc;
    private final long self;

    GuestCpu(Path proc, long self) {
        this.proc = proc;
        this.self = self;
    }

    public static GuestCpu ofThisMachine() {
        return new GuestCpu(PROC, ProcessHandle.current().pid());
    }

    /** The machine's busy and idle ticks, and each process's ticks under a name that says which daemon it is. */
    public record Snapshot(long busy, long idle, Map<Long, Usage> processes) {
    }

    public record Usage(String name, long ticks) {
    }

    public Snapshot snapshot() {
        long busy = 0, idle = 0;
        try {
            String[] cpu = Files.readAllLines(proc.resolve("stat")).getFirst().trim().split("\\s+");
            for (int i = 1; i < cpu.length && i <= 8; i++) {
                long v = Long.parseLong(cpu[i]);
                if (i == 4 || i == 5) idle += v;
                else busy += v;
            }
        } catch (IOException | RuntimeException e) {
            // no /proc/stat: the processes' figures still say who took the CPU
        }
        Map<Long, Usage> processes = new HashMap<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : pids) {
                long pid = Long.parseLong(p.getFileName().toString());
                Usage u = usage(p, pid == self);
                if (u != null) processes.put(pid, u);
            }
        } catch (IOException e) {
            // an unreadable /proc leaves the snapshot empty rather than failing the scenario it describes
        }
        return new Snapshot(busy, idle, processes);
    }

    private static Usage usage(Path dir, boolean self) {
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // fields after the parenthesised command, which may itself hold spaces and parentheses
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (self) ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            return new Usage(self ? "the lab and the tools it ran" : name(comm, cmdline(dir)), ticks);
        } catch (IOException | RuntimeException e) {
            return null; // the process ended while being read
        }
    }

    private static List<String> cmdline(Path dir) throws IOException {
        String raw = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>();
        for (String a : raw.split("\0")) if (!a.isEmpty()) args.add(a);
        return args;
    }

    /** The java launcher's options whose value is the next argument (the rest are one word: -Xmx1g, --add-opens=...). */
    private static final java.util.Set<String> OPTIONS_WITH_VALUE = java.util.Set.of("-cp", "-classpath", "--class-path", "-p", "--module-path",
            "--add-exports", "--add-opens", "--add-reads", "--add-modules", "--enable-native-access", "--limit-modules", "--patch-module");

    /** A JVM is named by its main class and the node it serves ({@code Ward agent --node n1}); others by command. */
    static String name(String comm, List<String> args) {
        if (args.isEmpty() || !args.getFirst().endsWith("/java")) return comm;
        int main = -1;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (OPTIONS_WITH_VALUE.contains(a)) i++;
            else if (!a.startsWith("-")) {
                main = i;
                break;
            }
        }
        if (main < 0) return comm;
        StringBuilder name = new StringBuilder(args.get(main).substring(args.get(main).lastIndexOf('.') + 1));
        if (main + 1 < args.size() && !args.get(main + 1).startsWith("-")) name.append(' ').append(args.get(main + 1));
        int node = args.indexOf("--node");
        if (node > 0 && node + 1 < args.size()) name.append(' ').append(args.get(node + 1));
        return name.toString();
    }

    /**
     * One line: how busy the machine was between the snapshots and the processes that took most of it, with the
     * CPU seconds of processes that ended meanwhile left out (the lab's own children excepted).
     */
    public static String describe(Snapshot before, Snapshot after, int top) {
        Map<String, Long> byName = new HashMap<>();
        after.processes().forEach((pid, u) -> {
            Usage was = before.processes().get(pid);
            long d = was != null && was.name().equals(u.name()) ? u.ticks() - was.ticks() : u.ticks();
            if (d > 0) byName.merge(u.name(), d, Long::sum);
        });
        long busy = after.busy() - before.busy(), idle = after.idle() - before.idle();
        StringBuilder s = new StringBuilder("CPU");
        if (busy + idle > 0) s.append(String.format(" busy %.0f%% of %.1f s", 100.0 * busy / (busy + idle), (busy + idle) / TICKS_PER_SECOND));
        s.append(":");
        List<Map.Entry<String, Long>> ranked = byName.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey())).toList();
        if (ranked.isEmpty()) return s.append(" no process readable").toString();
        for (int i = 0; i < Math.min(top, ranked.size()); i++) {
            s.append(i == 0 ? " " : ", ").append(ranked.get(i).getKey()).append(String.format(" %.1f s", ranked.get(i).getValue() / TICKS_PER_SECOND));
        }
        return s.toString();
    }
}
