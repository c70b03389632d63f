package dev.ward.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleFollowerTest {
    @Test
    void printsTheLabsLinesAsTheyArriveWithoutBootChatterOrKernelMessages(@TempDir Path dir) throws Exception {
        Path console = dir.resolve("console.log");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ConsoleFollower f = ConsoleFollower.start(console, new PrintStream(out, true, StandardCharsets.UTF_8))) {
            Files.writeString(console, "Linux version 6.1\r\n[    0.100000] booting\n== 0 cluster up\n   wired n1\n[   12.5] br: port 1 up\n   par");
            Thread.sleep(800);
            Files.writeString(console, "tial line\nWARD-GUEST-EXIT 0\n", StandardOpenOption.APPEND);
            assertTrue(f.sawOutput());
            assertEquals("[   12.5] br: port 1 up\n   partial line\nWARD-GUEST-EXIT 0", f.tail(3));
        }
        assertEquals("== 0 cluster up\n   wired n1\n   partial line\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aGuestThatNeverStartedTheLabIsSeenAsSuch(@TempDir Path dir) throws Exception {
        Path console = dir.resolve("console.log");
        Files.writeString(console, "Kernel panic - not syncing\n");
        try (ConsoleFollower f = ConsoleFollower.start(console, new PrintStream(new ByteArrayOutputStream()))) {
            assertFalse(f.sawOutput());
            assertEquals("Kernel panic - not syncing", f.tail(20));
        }
    }
}
