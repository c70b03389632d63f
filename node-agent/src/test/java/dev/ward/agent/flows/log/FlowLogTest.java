package dev.ward.agent.flows.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.FlowJson;
import dev.ward.agent.flows.FlowVerdict;
import dev.ward.agent.flows.Flows;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** The agent's flow log on a real filesystem: JSON lines, rotated by size, a bound on files, losses counted. */
class FlowLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private FlowHub hub;
    private FlowLog log;
    private Path mounted;

    @AfterEach
    void close() throws Exception {
        if (log != null) log.close();
        if (hub != null) hub.close();
        if (mounted != null) new ProcessBuilder("umount", mounted.toString()).inheritIO().start().waitFor();
    }

    private static Flow flow(int port) {
        return Flows.l3l4(FlowVerdict.DROPPED, Direction.INGRESS, "10.244.2.6", 41000, 1001, "10.244.1.10", port, 1002, "policy_default_deny");
    }

    private void start(FlowLogConfig config) throws IOException {
        hub = new FlowHub(UnaryOperator.identity(), new FlowHub.Settings(100_000, 0));
        log = FlowLog.start(config, hub);
    }

    private static List<Integer> ports(Path file) throws IOException {
        List<Integer> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) out.add(FlowJson.fromJson(JSON.readTree(line)).destination().port());
        return out;
    }

    /** Waits for the writer to have written the flow to {@code port} as the file's last line. */
    private static void awaitLast(Path file, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                List<Integer> p = ports(file);
                if (!p.isEmpty() && p.getLast() == port) return;
            } catch (java.nio.file.NoSuchFileException notThereNow) {
                // not written yet, or being rotated away between two of the writer's lines: look again
            }
            Thread.sleep(50);
        }
        fail("flow " + port + " never became the last line of " + file);
    }

    @Test
    void theLogRotatesBySizeKeepsAtMostItsFilesAndEveryKeptLineIsAWholeFlowInOrder() throws Exception {
        Path path = tmp.resolve("logs/flows.jsonl");
        start(new FlowLogConfig(path, 4096, 3));
        int n = 300;
        for (int i = 1; i <= n; i++) hub.publish(flow(i));
        awaitLast(path, n);
        assertTrue(Files.exists(path.resolveSibling("flows.jsonl.1")));
        assertTrue(Files.exists(path.resolveSibling("flows.jsonl.2")));
        assertFalse(Files.exists(path.resolveSibling("flows.jsonl.3")), "three files kept, the one written included");
        List<Integer> kept = new ArrayList<>();
        for (String name : List.of("flows.jsonl.2", "flows.jsonl.1", "flows.jsonl")) {
            Path f = path.resolveSibling(name);
            assertTrue(Files.size(f) <= 4096, name + " is " + Files.size(f) + " bytes");
            kept.addAll(ports(f));
        }
        assertTrue(kept.size() > 20 && kept.size() < n, "kept " + kept.size());
        for (int i = 0; i < kept.size(); i++) assertEquals(n - kept.size() + 1 + i, kept.get(i), "the kept flows are the newest, in order");
        try (var files = Files.list(path.getParent())) {
            assertEquals(3, files.count());
        }
        assertEquals(0L, hub.losses().get("flowlog"));
    }

    @Test
    void aRestartedAgentAppendsToItsLog() throws Exception {
        Path path = tmp.resolve("flows.jsonl");
        start(new FlowLogConfig(path, 1 << 20, 2));
        for (int i = 1; i <= 3; i++) hub.publish(flow(i));
        awaitLast(path, 3);
        log.close();
        hub.close();
        start(new FlowLogConfig(path, 1 << 20, 2));
        hub.publish(flow(4));
        awaitLast(path, 4);
        assertEquals(List.of(1, 2, 3, 4), ports(path));
    }

    @Test
    void aLogThatCannotBeOpenedFailsNamingItsPath() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("flows.jsonl"));
        hub = new FlowHub(UnaryOperator.identity(), FlowHub.Settings.DEFAULT);
        IOException e = assertThrows(IOException.class, () -> FlowLog.start(new FlowLogConfig(dir, 4096, 2), hub));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void aFullDiskLosesFlowsCountedAndTheLogWritesAgainOnceThereIsRoom() throws Exception {
        mounted = Files.createDirectories(tmp.resolve("small"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "ward-flowlog-test", mounted.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "mounting a 64 KiB tmpfs");
        Path path = mounted.resolve("flows.jsonl");
        start(new FlowLogConfig(path, 1 << 20, 1));
        int n = 2000;
        for (int i = 1; i <= n; i++) hub.publish(flow(i));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long written = 0;
        long lost = 0;
        while (System.nanoTime() < deadline) {
            written = Files.exists(path) ? Files.readAllLines(path).size() : 0;
            lost = hub.losses().get("flowlog_write");
            if (written + lost == n) break;
            Thread.sleep(50);
        }
        assertTrue(lost > 0, "a 64 KiB filesystem cannot hold " + n + " flows");
        assertEquals(n, written + lost, "every flow was written or counted lost: " + hub.losses());
        for (String line : Files.readAllLines(path)) FlowJson.fromJson(JSON.readTree(line));
        // Room again (the log is truncated by hand): the next flows are written.
        Files.write(path, new byte[0]);
        hub.publish(flow(n + 1));
        awaitLast(path, n + 1);
    }
}
