package dev.ward.cli.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.ward.cli.CliRun.wardctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ward agent} checks its flags against each other before it starts anything: a contradiction is one line
 * naming the flags, and the agent exits instead of running on half a configuration. Run as a real process, since
 * a mistake that slips through would otherwise leave a daemon running.
 */
class AgentFlagsTest {
    @TempDir
    Path tmp;

    private record Exit(int code, String output) {}

    private Exit agent(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.ward.cli.Ward", "agent"));
        cmd.addAll(List.of(args));
        Path log = tmp.resolve("agent-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("ward agent kept running instead of refusing its flags:\n" + Files.readString(log));
        }
        return new Exit(p.exitValue(), Files.readString(log));
    }

    private String storeWithCa() {
        String store = "dir:" + tmp.resolve("store");
        assertEquals(0, wardctl("ca", "init", "--store", store).exit());
        return store;
    }

    @Test
    void aPodCidrOutsideTheClusterCidrIsRefusedBeforeAnythingStarts() throws Exception {
        Exit e = agent("--node", "n1", "--store", storeWithCa(), "--state-dir", tmp.resolve("state").toString(), "--token", "x",
                "--underlay-ip", "192.0.2.1", "--pod-cidr", "10.9.0.0/24", "--cluster-cidr", "10.244.0.0/16");
        assertEquals(1, e.code(), e.output());
        assertTrue(e.output().contains("--pod-cidr 10.9.0.0/24") && e.output().contains("--cluster-cidr"), e.output());
        assertFalse(Files.exists(tmp.resolve("state")), "nothing was started, not even the identity");
    }

    @Test
    void aTokenGivenTwiceIsReported() throws Exception {
        Path tokenFile = Files.writeString(tmp.resolve("token"), "wardjt_x");
        Exit e = agent("--node", "n1", "--store", storeWithCa(), "--state-dir", tmp.resolve("state").toString(),
                "--token", "wardjt_y", "--token-file", tokenFile.toString());
        assertEquals(2, e.code(), e.output());
        assertTrue(e.output().contains("--token") && e.output().contains("--token-file"), e.output());
    }

    @Test
    void aStateDirectoryThatIsAFileIsNamedInOneLine() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-directory"), "");
        Exit e = agent("--node", "n1", "--store", storeWithCa(), "--state-dir", file.toString(), "--token", "wardjt_x");
        assertEquals(1, e.code(), e.output());
        assertTrue(e.output().contains("--state-dir " + file + " is not a directory"), e.output());
        assertFalse(e.output().contains("{}"), "no unfilled log placeholder: " + e.output());
        assertFalse(e.output().contains("\tat "), "no stack trace: " + e.output());
    }
}
