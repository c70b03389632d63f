package dev.ward.testbed;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Boots the real guest kernel once: it has ESP and GCM, sees the host's files, and reports exit codes. */
class UserModeLinuxTest {
    @Test
    void guestBootsWithEspAndReportsTheFirstFailingExitCode() throws Exception {
        Path work = Path.of("target", "uml-boot-test");
        Path marker = work.toAbsolutePath().resolve("written-by-guest");
        Files.deleteIfExists(marker);
        GuestRun run = new UserModeLinux("wx-testbed-boot", work, 256, Duration.ofMinutes(3)).run(List.of(
                "grep -q ' esp_input' /proc/kallsyms",
                "grep -q ' crypto_rfc4106_create' /proc/kallsyms || modprobe gcm; grep -q ' crypto_rfc4106_create' /proc/kallsyms",
                "uname -r > " + marker,
                "sh -c 'exit 7'"));
        assertEquals(7, run.exitCode(), "the init reports the failing command's code; console: " + run.consoleLog());
        assertEquals(UserModeLinux.kernelVersion(), Files.readString(marker).strip(), "guest writes reach the host through hostfs");
        assertTrue(run.millis() < 120_000, "boot took " + run.millis() + " ms");
    }

    @Test
    void theGuestDiesWithTheJvmThatBootedIt() throws Exception {
        Path work = Path.of("target", "uml-holder-test").toAbsolutePath();
        Path started = work.resolve("guest-started");
        Files.createDirectories(work);
        Files.deleteIfExists(started);
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), GuestHolder.class.getName(), work.toString(), "wx-testbed-holder")
                .redirectErrorStream(true).redirectOutput(work.resolve("holder.log").toFile()).start();
        List<ProcessHandle> guest = List.of();
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!Files.exists(started)) {
                if (!jvm.isAlive() || System.nanoTime() > deadline) fail("the guest did not start; see " + work.resolve("holder.log"));
                Thread.sleep(100);
            }
            guest = jvm.descendants().toList();
            assertFalse(guest.isEmpty(), "the guest kernel runs as the JVM's child");
            jvm.destroy(); // SIGTERM, what timeout(1) and kill send; Ctrl-C's SIGINT runs the same shutdown hooks
            assertTrue(jvm.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the JVM exits on SIGTERM");
            long gone = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (guest.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < gone) Thread.sleep(100);
            assertTrue(guest.stream().noneMatch(ProcessHandle::isAlive),
                    "guest processes outlived the JVM: " + guest.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList());
        } finally {
            guest.forEach(ProcessHandle::destroyForcibly);
            jvm.destroyForcibly();
        }
    }
}
