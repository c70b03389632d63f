package dev.ward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.testbed.EtcdProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real launchers against a real etcd, as an operator's terminal and a log collector see them: no JVM or library
 * warning on stderr, the documented exit status, and every daemon's log lines timestamped and levelled, as text or
 * as JSON objects.
 */
class LauncherIT {
    private static final Pattern TEXT_LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (ERROR|WARN |INFO |DEBUG) \\S+ \\[[^]]+] .+");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STARTUP = Duration.ofSeconds(90);

    @TempDir
    static Path tmp;
    static EtcdProcess etcd;
    static String store;
    static String caKey;

    @BeforeAll
    static void cluster() throws Exception {
        etcd = EtcdProcess.start();
        store = "etcd://127.0.0.1:" + etcd.clientPort();
        caKey = tmp.resolve("ca-keyring.pem").toString();
        Launcher.Result init = Launcher.run(tmp, "wardctl", "ca", "init", "--trust-domain", "launcher.test", "--store", store,
                "--ca-key-file", caKey);
        assertEquals(0, init.exit(), init.err());
        assertEquals("", init.err(), "nothing on stderr but what the command says");
    }

    @AfterAll
    static void stop() {
        if (etcd != null) etcd.close();
    }

    @Test
    void wardctlReachingEtcdPrintsNoWarning() throws Exception {
        Launcher.Result list = Launcher.run(tmp, "wardctl", "node", "list", "--store", store);
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().startsWith("NODE"), list.out());
        assertTrue(list.err().lines().noneMatch(l -> l.contains("WARNING")), "a JVM or library warning:\n" + list.err());
        assertEquals("", list.err(), "stderr of a successful wardctl call");
    }

    @Test
    void exitStatusIsZeroOneOrTwo() throws Exception {
        assertEquals(0, Launcher.run(tmp, "wardctl", "node", "token", "create", "-h").exit());
        Launcher.Result usage = Launcher.run(tmp, "wardctl", "node", "list", "--no-such-option");
        assertEquals(2, usage.exit(), usage.err());
        assertTrue(usage.err().contains("'--no-such-option'"), usage.err());
        Launcher.Result failure = Launcher.run(tmp, "wardctl", "node", "list", "--store", "dir:" + tmp.resolve("missing"));
        assertEquals(1, failure.exit(), failure.err());
        assertEquals(1, failure.err().lines().count(), "one line naming the failure:\n" + failure.err());
        Launcher.Result daemonUsage = Launcher.run(tmp, "ward", "keyd", "--log-format", "xml");
        assertEquals(2, daemonUsage.exit(), daemonUsage.err());
        assertTrue(daemonUsage.err().contains("xml"), daemonUsage.err());
    }

    @Test
    void keydAndAgentLogJsonObjectsAndText() throws Exception {
        Path token = tmp.resolve("n1.token");
        Launcher.Result created = Launcher.run(tmp, "wardctl", "node", "token", "create", "n1", "--store", store);
        assertEquals(0, created.exit(), created.err());
        Files.writeString(token, created.out().strip());

        try (Launcher.Daemon keyd = Launcher.start(tmp, "ward", "keyd", "--store", store, "--ca-key-file", caKey, "--log-format", "json")) {
            List<String> lines = keyd.awaitErrLine(l -> l.contains("keyd") && l.contains("starting"), STARTUP);
            assertJsonLines(lines, "dev.ward.keyd.daemon.KeyDaemon");

            try (Launcher.Daemon agent = Launcher.start(tmp, "ward", "agent", "--node", "n1", "--store", store,
                    "--state-dir", tmp.resolve("state-n1").toString(), "--token-file", token.toString(), "--log-format", "json")) {
                List<String> agentLines = agent.awaitErrLine(l -> l.contains("has SVID"), STARTUP);
                assertJsonLines(agentLines, "dev.ward.cli.identity.AgentCommand");
                assertEquals("", agent.out(), "a daemon's lines are log lines, not stdout");
            }
        }
        try (Launcher.Daemon keyd = Launcher.start(tmp, "ward", "keyd", "--store", store, "--ca-key-file", caKey, "--log-format", "text")) {
            assertTextLines(keyd.awaitErrLine(l -> l.contains("keyd") && l.contains("starting"), STARTUP), "KeyDaemon");
        }
    }

    @Test
    void dnsproxyLogsJsonObjectsAndText() throws Exception {
        String[] flags = {"dnsproxy", "--snapshot", tmp.resolve("no-snapshot-yet.json").toString(), "--state-dir",
                tmp.resolve("dnsproxy").toString(), "--agent-journal", tmp.resolve("agent-journal.jsonl").toString(), "--log-format"};
        try (Launcher.Daemon proxy = Launcher.start(tmp, "ward", with(flags, "json"))) {
            assertJsonLines(proxy.awaitErrLine(l -> l.contains("waiting for the agent's DNS snapshot"), STARTUP),
                    "dev.ward.dnsproxy.standalone.StandaloneDnsProxy");
        }
        try (Launcher.Daemon proxy = Launcher.start(tmp, "ward", with(flags, "text"))) {
            assertTextLines(proxy.awaitErrLine(l -> l.contains("waiting for the agent's DNS snapshot"), STARTUP), "StandaloneDnsProxy");
        }
    }

    /** Every line is one JSON object with a UTC timestamp, a level, the logger and the message; one is from {@code logger}. */
    private static void assertJsonLines(List<String> lines, String logger) throws Exception {
        boolean seen = false;
        for (String line : lines) {
            JsonNode o = JSON.readTree(line);
            assertTrue(o.isObject(), line);
            assertTrue(o.path("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), line);
            assertTrue(List.of("ERROR", "WARN", "INFO", "DEBUG").contains(o.path("level").asText()), line);
            assertTrue(o.path("message").isTextual() && o.path("thread_name").isTextual(), line);
            seen |= o.path("logger_name").asText().equals(logger);
        }
        assertTrue(seen, "a line from " + logger + " in:\n" + String.join("\n", lines));
    }

    private static void assertTextLines(List<String> lines, String logger) {
        for (String line : lines) assertTrue(TEXT_LINE.matcher(line).matches(), "not a timestamped, levelled line: " + line);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" " + logger + " [")), String.join("\n", lines));
    }

    private static String[] with(String[] flags, String last) {
        String[] all = java.util.Arrays.copyOf(flags, flags.length + 1);
        all[flags.length] = last;
        return all;
    }
}
