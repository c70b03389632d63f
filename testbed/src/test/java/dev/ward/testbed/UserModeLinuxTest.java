package dev.ward.testbed;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
