package dev.ward.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestCpuTest {
    @TempDir
    Path proc;

    @Test
    void namesTheDaemonsByMainClassAndNodeAndCountsTheLabsWaitedForChildren() throws IOException {
        cpu(100, 300);
        process(7, "(java)", 50, 10, 0, 0, "/usr/lib/jvm/bin/java", "-Xmx160m", "-cp", "a.jar:b.jar", "dev.ward.cli.Ward", "agent", "--node", "n1");
        process(8, "(etcd) x)", 20, 0, 0, 0, "/usr/bin/etcd", "--data-dir", "/tmp/e");
        process(9, "(java)", 5, 5, 200, 100, "/usr/lib/jvm/bin/java", "-cp", "a.jar", "dev.ward.lab.EncryptionLab", "lab");
        GuestCpu cpu = new GuestCpu(proc, 9);
        GuestCpu.Snapshot before = cpu.snapshot();
        cpu(400, 400);
        process(7, "(java)", 150, 30, 0, 0, "/usr/lib/jvm/bin/java", "-Xmx160m", "-cp", "a.jar:b.jar", "dev.ward.cli.Ward", "agent", "--node", "n1");
        process(8, "(etcd) x)", 30, 0, 0, 0, "/usr/bin/etcd", "--data-dir", "/tmp/e");
        process(9, "(java)", 5, 5, 250, 100, "/usr/lib/jvm/bin/java", "-cp", "a.jar", "dev.ward.lab.EncryptionLab", "lab");
        process(11, "(tcpdump)", 4, 0, 0, 0, "tcpdump", "-i", "any");

        assertEquals("CPU busy 75% of 4.0 s: Ward agent n1 1.2 s, the lab and the tools it ran 0.5 s, etcd) x 0.1 s, tcpdump 0.0 s",
                GuestCpu.describe(before, cpu.snapshot(), 4));
        assertEquals("CPU busy 75% of 4.0 s: Ward agent n1 1.2 s", GuestCpu.describe(before, cpu.snapshot(), 1));
    }

    @Test
    void aJvmWithoutAMainClassKeepsItsCommand() {
        assertEquals("java", GuestCpu.name("java", List.of("/usr/bin/java", "-version")));
        assertEquals("KafkaLabBroker", GuestCpu.name("java", List.of("/j/bin/java", "-cp", "x", "dev.ward.lab.KafkaLabBroker")));
        assertEquals("sh", GuestCpu.name("sh", List.of()));
        assertEquals("CassandraDaemon", GuestCpu.name("java", List.of("/j/bin/java", "-Xmx1g", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED", "-cp", "x", "org.apache.cassandra.service.CassandraDaemon")));
    }

    @Test
    void theRealProcShowsThisJvmBusy() {
        GuestCpu cpu = GuestCpu.ofThisMachine();
        GuestCpu.Snapshot before = cpu.snapshot();
        long end = System.nanoTime() + 300_000_000L;
        long x = 0;
        while (System.nanoTime() < end) x += Long.numberOfTrailingZeros(x + System.nanoTime());
        String line = GuestCpu.describe(before, cpu.snapshot(), 3);
        assertTrue(line.matches("CPU busy \\d+% of [0-9.]+ s: .*the lab and the tools it ran 0\\.[1-9].*"), line + " " + x);
    }

    private void cpu(long user, long idle) throws IOException {
        Files.writeString(proc.resolve("stat"), "cpu  " + user + " 0 0 " + idle + " 0 0 0 0 0 0\ncpu0 1 2 3 4\n");
    }

    private void process(long pid, String comm, long utime, long stime, long cutime, long cstime, String... cmdline) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " " + comm + " S 1 1 1 0 -1 4194304 100 0 0 0 " + utime + " " + stime + " " + cutime + " "
                + cstime + " 20 0 4 0 100 1000 10\n");
        Files.writeString(dir.resolve("cmdline"), String.join("\0", cmdline) + "\0");
    }
}
