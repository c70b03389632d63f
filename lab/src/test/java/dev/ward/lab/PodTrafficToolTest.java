package dev.ward.lab;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * PodTrafficTool as the kind suites drive it, each command its own JVM, all in one fresh network namespace (as a
 * pod's) so its fixed ports cannot meet anything else on this machine: the echo answers probes, a stream stopped
 * by SIGTERM reports every datagram it sent and the receiver saw them all, a TCP transfer's two digests agree, and a
 * connection attempt tells a TCP echo service that answers from a port nobody listens on (RST) and from a SYN dropped.
 */
class PodTrafficToolTest {
    @Test
    void echoStreamsAndTransfersWorkBetweenSeparateProcesses() throws Exception {
        String tool = Path.of(System.getProperty("java.home"), "bin", "java") + " -cp " + System.getProperty("java.class.path")
                + " " + PodTrafficTool.class.getName();
        String script = String.join("\n",
                "set -e",
                "ip link set lo up",
                "T=\"" + tool + "\"",
                "$T serve > serve.out & SERVE=$!",
                "for i in $(seq 100); do grep -q echoing serve.out 2>/dev/null && break; sleep 0.1; done",
                "echo probe $($T probe 127.0.0.1 3 2000)",
                "$T receive 6000 > rx.out & RX=$!",
                "for i in $(seq 100); do grep -q pid rx.out 2>/dev/null && break; sleep 0.1; done",
                "$T send 127.0.0.1 6000 10 > tx.out & TX=$!",
                "sleep 2; kill -TERM $TX; wait $TX || true; sleep 0.5; kill -TERM $RX; wait $RX || true",
                "echo sent $(grep -c '^sent ' tx.out) last $(grep '^sent ' tx.out | tail -1)",
                "echo got $(grep -c '^got ' rx.out)",
                "$T tcp-receive 5001 > tcp.out & TCP=$!",
                "for i in $(seq 100); do grep -q listening tcp.out 2>/dev/null && break; sleep 0.1; done",
                "echo tcp-sent $($T tcp-send 127.0.0.1 5001 1048576)",
                "wait $TCP; echo tcp-got $(tail -1 tcp.out)",
                "$T tcp-echo 5002 5003 > echo.out & ECHO=$!",
                "for i in $(seq 100); do grep -q listening echo.out 2>/dev/null && break; sleep 0.1; done",
                "echo echo-ready $(cat echo.out)",
                "echo connect-open $($T connect 127.0.0.1 5003 2000)",
                "echo connect-closed $($T connect 127.0.0.1 5004 2000)",
                // a policy's drop, as the datapath does it: the SYN gets no answer at all
                "nft add table inet podtool; nft add chain inet podtool in '{ type filter hook input priority 0; }'",
                "nft add rule inet podtool in tcp dport 5002 drop",
                "echo connect-dropped $($T connect 127.0.0.1 5002 1000)",
                "kill $ECHO",
                "echo usage-exit $($T probe 2>/dev/null; echo $?)",
                "kill $SERVE");
        Path dir = Files.createTempDirectory("pod-traffic-");
        Process p = new ProcessBuilder("unshare", "--net", "bash", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertTrue(lines.contains("probe 3"), out);
        String sent = lines.stream().filter(l -> l.startsWith("sent ")).findFirst().orElseThrow(() -> new AssertionError(out));
        String[] parts = sent.split(" "); // sent COUNT last sent N
        int count = Integer.parseInt(parts[1]);
        assertTrue(count > 50, "about 200 datagrams in 2 s at 10 ms: " + out);
        assertEquals(Integer.toString(count), parts[4], "the last line tells how many were sent: " + out);
        assertTrue(lines.contains("got " + count), "the receiver saw every datagram: " + out);
        String tx = lines.stream().filter(l -> l.startsWith("tcp-sent ")).findFirst().orElseThrow().substring(9);
        assertTrue(tx.startsWith("1048576:"), out);
        assertTrue(lines.contains("tcp-got " + tx), out);
        assertTrue(lines.contains("echo-ready listening 5002,5003"), out);
        assertTrue(lines.contains("connect-open CONNECTED"), out);
        assertTrue(lines.contains("connect-closed REFUSED"), "nothing listens on 5004: " + out);
        assertTrue(lines.contains("connect-dropped DROPPED"), "a SYN nobody answers: " + out);
        assertTrue(lines.contains("usage-exit 2"), "a wrong call exits 2: " + out);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.delete(dir);
    }
}
