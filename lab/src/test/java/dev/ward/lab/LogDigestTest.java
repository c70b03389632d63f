package dev.ward.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LogDigestTest {
    @TempDir
    Path logs;

    @Test
    void warningsAndErrorsAreCountedByKindWithTheirNumbersReadAlike() throws Exception {
        LogDigest.Digest d = LogDigest.of("agent-n1.log", List.of(
                "2026-12-04T01:17:24.032Z INFO  EncryptionAgent [ward-encryption-n1] installed 4 SAs",
                "2026-12-04T01:17:25.032Z WARN  EncryptionAgent [ward-encryption-n1] cannot publish the announcement (retrying in 2s): deadline 60 s",
                "2026-12-04T01:17:27.032Z WARN  EncryptionAgent [ward-encryption-n1] cannot publish the announcement (retrying in 2s): deadline 61 s",
                "2026-12-04T01:17:29.032Z ERROR KernelDataplane [ward-encryption-n1] the kernel refused SA 0x1a2b3c4d to n2",
                "\tat dev.ward.X.y(X.java:12)"));
        assertEquals(2, d.warnings());
        assertEquals(1, d.errors());
        assertEquals(Map.of("cannot publish the announcement (retrying in #s): deadline # s", 2, "the kernel refused SA # to n2", 1), d.kinds());
        assertEquals("agent-n1.log: 2 WARN, 1 ERROR; most: 2x \"cannot publish the announcement (retrying in #s): deadline # s\", "
                + "1x \"the kernel refused SA # to n2\"", d.describe());
    }

    @Test
    void onlyLogsWithWarningsOrErrorsArePrinted() throws Exception {
        Files.writeString(logs.resolve("keyd.log"), "2026-12-04T01:17:24.032Z INFO  Keyd [main] issued an SVID to n1\n");
        Files.writeString(logs.resolve("agent-n2.log"), "2026-12-04T01:17:24.032Z WARN  EncryptionAgent [e] refused the announcement of n4\n");
        Files.writeString(logs.resolve("notes.txt"), "2026-12-04T01:17:24.032Z WARN  X [e] not a log\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogDigest.print(logs, new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals("daemons' logs (" + logs + "):\n  agent-n2.log: 1 WARN, 0 ERROR; most: 1x \"refused the announcement of n4\"\n",
                out.toString(StandardCharsets.UTF_8));
        Files.delete(logs.resolve("agent-n2.log"));
        out.reset();
        LogDigest.print(logs, new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals("daemons' logs: no WARN or ERROR\n", out.toString(StandardCharsets.UTF_8));
    }
}
