package dev.ward.cli.endpoints;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** {@code ward agent}'s endpoint flags are checked before anything starts, each mistake named (a real process). */
class EndpointFlagsTest {
    @TempDir
    Path tmp;

    private String run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.ward.cli.Ward", "agent",
                "--node", "n1", "--store", "dir:" + tmp, "--state-dir", tmp.resolve("state").toString(), "--token", "x"));
        cmd.addAll(List.of(args));
        Path log = tmp.resolve("agent-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("ward agent kept running instead of refusing its flags:\n" + Files.readString(log));
        }
        assertEquals(1, p.exitValue(), Files.readString(log));
        assertFalse(Files.exists(tmp.resolve("state")), "nothing was started");
        return Files.readString(log);
    }

    @Test
    void mistakesInTheEndpointFlagsAreNamedBeforeAnythingStarts() throws Exception {
        assertTrue(run("--api-socket", "agent.sock").contains("--api-socket agent.sock must be an absolute path"));
        assertTrue(run("--api-socket", "/run/x.sock", "--cluster-id", "300").contains("cluster id must be 0-255, not 300"));
        assertTrue(run("--api-socket", "/run/x.sock", "--cluster-name", "Not_A_Name").contains("cluster name 'Not_A_Name'"));
        assertTrue(run("--api-socket", "/run/x.sock", "--datapath", "nft").contains("unknown datapath 'nft' (known: [none, bpf])"));
        assertTrue(run("--api-socket", "/run/x.sock", "--bpf-pin-root", "ward").contains("the BPF pin root must be an absolute path, not ward"));
        assertTrue(run("--netns", "n1").contains("--netns names the node's namespace for encryption and endpoints"));
    }

    @Test
    void mistakesInTheMetricsAndFlowLogFlagsAreNamedBeforeAnythingStarts() throws Exception {
        assertTrue(run("--metrics-address", "9962").contains("'9962' is not HOST:PORT"));
        assertTrue(run("--metrics-address", "::1:9962").contains("an IPv6 host is written in brackets"));
        assertTrue(run("--metrics-address", "127.0.0.1:http").contains("the port 'http' is not a number"));
        assertTrue(run("--flow-log", "/tmp/flows.jsonl").contains("--flow-log needs --api-socket"));
        assertTrue(run("--api-socket", "/run/x.sock", "--flow-log", tmp.resolve("f.jsonl").toString(), "--flow-log-max-files", "0")
                .contains("the flow log keeps 1-1000 files, not 0"));
        assertTrue(run("--api-socket", "/run/x.sock", "--flow-log", tmp.resolve("f.jsonl").toString(), "--flow-log-max-size", "100")
                .contains("at least 1 KiB"));
    }

    @Test
    void mistakesInTheL7ProxyFlagsAreNamedBeforeAnythingStarts() throws Exception {
        assertTrue(run("--api-socket", "/run/x.sock", "--l7-proxy-ingress-port", "70000")
                .contains("the L7 proxy's ingress port must be 0 (any free one) or 1-65535, not 70000"));
        assertTrue(run("--api-socket", "/run/x.sock", "--l7-proxy-ingress-port", "15001", "--l7-proxy-egress-port", "15001")
                .contains("the L7 proxy's ingress and egress ports must differ, both are 15001"));
        assertTrue(run("--api-socket", "/run/x.sock", "--l7-proxy-threads", "0").contains("the L7 proxy's threads must be 1-64, not 0"));
    }
}
