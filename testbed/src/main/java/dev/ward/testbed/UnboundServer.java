package dev.ward.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real unbound in a network namespace (for tests and the lab), serving one zone from a zone file as an authority (so it
 * follows CNAMEs inside the zone as authoritative servers do); it is allowed to query no address, so nothing is ever
 * recursed to the Internet. Every query it receives is in its log and counted by unbound-control stats.
 */
public final class UnboundServer implements AutoCloseable {
    private final Path dir;
    private final Path conf;
    private final Process process;

    private UnboundServer(Path dir, Path conf, Process process) {
        this.dir = dir;
        this.conf = conf;
        this.process = process;
    }

    /** Starts unbound in {@code netns} on {@code address}:53 with {@code records} ("name. TTL IN TYPE data") in zone {@code test.}. */
    public static UnboundServer start(String netns, String address, Path dir, List<String> records) {
        return start(netns, address, dir, "test", records);
    }

    /** Starts unbound in {@code netns} on {@code address}:53, authoritative for {@code zone} with {@code records}. */
    public static UnboundServer start(String netns, String address, Path dir, String zone, List<String> records) {
        return start(netns, address, dir, java.util.Map.of(zone, records));
    }

    /** Starts unbound in {@code netns} on {@code address}:53, authoritative for each zone with its records. */
    public static UnboundServer start(String netns, String address, Path dir, java.util.Map<String, List<String>> zones) {
        StringBuilder authority = new StringBuilder();
        java.util.Map<Path, String> zoneFiles = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, List<String>> z : new java.util.TreeMap<>(zones).entrySet()) {
            String zone = z.getKey();
            StringBuilder text = new StringBuilder("$ORIGIN " + zone + ".\n$TTL 300\n@ IN SOA ns." + zone + ". admin." + zone
                    + ". 1 3600 600 86400 60\n@ IN NS ns." + zone + ".\n");
            text.append("ns.").append(zone).append(". IN A ").append(address).append('\n');
            for (String r : z.getValue()) text.append(r).append('\n');
            Path file = dir.toAbsolutePath().resolve(zone + ".zone");
            zoneFiles.put(file, text.toString());
            // unbound blocks special-use names such as test. by default (RFC 6761); here the zone is ours
            authority.append("  local-zone: \"").append(zone).append(".\" nodefault\n");
            authority.append("auth-zone:\n  name: \"").append(zone).append(".\"\n  zonefile: \"").append(file)
                    .append("\"\n  for-downstream: yes\n  for-upstream: no\nserver:\n");
        }
        String config = """
                server:
                  interface: %1$s
                  port: 53
                  do-ip6: no
                  do-tcp: yes
                  access-control: 0.0.0.0/0 allow
                  username: ""
                  chroot: ""
                  directory: "%2$s"
                  pidfile: "%2$s/unbound.pid"
                  use-syslog: no
                  logfile: "%2$s/unbound.log"
                  log-queries: yes
                  verbosity: 1
                  num-threads: 1
                  so-reuseport: no
                  module-config: "iterator"
                  do-not-query-address: 0.0.0.0/0
                  do-not-query-address: ::0/0
                %3$sremote-control:
                  control-enable: yes
                  control-interface: "%2$s/control.sock"
                  control-use-cert: no
                """.formatted(address, dir.toAbsolutePath(), authority);
        try {
            Files.createDirectories(dir);
            for (java.util.Map.Entry<Path, String> f : zoneFiles.entrySet()) Files.writeString(f.getKey(), f.getValue());
            Path conf = dir.resolve("unbound.conf");
            Files.writeString(conf, config);
            Cmd.run("unbound-checkconf", conf.toString());
            Process p = new ProcessBuilder("ip", "netns", "exec", netns, "unbound", "-d", "-c", conf.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("unbound.out").toFile()).start();
            UnboundServer u = new UnboundServer(dir, conf, p);
            u.awaitReady(Duration.ofSeconds(10));
            return u;
        } catch (IOException e) {
            throw new AssertionError("cannot start unbound: " + e.getMessage(), e);
        }
    }

    private void awaitReady(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) throw new AssertionError("unbound exited: " + output());
            try {
                Cmd.run("unbound-control", "-c", conf.toString(), "status");
                return;
            } catch (AssertionError notYet) {
                sleep(50);
            }
        }
        throw new AssertionError("unbound did not come up: " + output());
    }

    /** Queries unbound has received so far (unbound-control stats_noreset, total.num.queries). */
    public long queries() {
        String stats = Cmd.run("unbound-control", "-c", conf.toString(), "stats_noreset");
        for (String line : stats.lines().toList()) {
            if (line.startsWith("total.num.queries=")) return Long.parseLong(line.substring("total.num.queries=".length()).strip());
        }
        throw new AssertionError("no total.num.queries in unbound stats: " + stats);
    }

    /** Whether unbound's query log names {@code name} (as "name." in its log lines). */
    public boolean logged(String name) {
        try {
            Path log = dir.resolve("unbound.log");
            if (!Files.exists(log)) return false;
            String needle = " " + name + ". ";
            return Files.readString(log, StandardCharsets.UTF_8).contains(needle);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private String output() {
        try {
            Path out = dir.resolve("unbound.out");
            return Files.exists(out) ? Files.readString(out) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
