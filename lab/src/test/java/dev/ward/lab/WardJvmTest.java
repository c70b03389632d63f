package dev.ward.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** What the lab says of a tool that overran its time: where the JVM's main thread was, from a real thread dump. */
class WardJvmTest {
    @TempDir
    Path tmp;

    @Test
    void aStuckJvmIsNamedByItsMainThreadsFramesAndItsWholeDumpGoesToTheLog() throws Exception {
        Path source = Files.writeString(tmp.resolve("Stuck.java"), """
                public class Stuck {
                    public static void main(String[] args) throws Exception {
                        System.out.println("started");
                        waitForever();
                    }
                    static void waitForever() throws Exception {
                        Thread.sleep(600_000);
                    }
                }
                """);
        Path output = tmp.resolve("stuck.out"), log = tmp.resolve("wardctl.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), source.toString())
                .redirectOutput(output.toFile()).redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(output).contains("started") && System.nanoTime() < deadline) Thread.sleep(50);
            String stuck = WardJvm.whereStuck(p, output, log);
            assertTrue(stuck.startsWith("its main thread: java.lang.Thread.sleep"), stuck);
            assertTrue(stuck.contains("Stuck.waitForever(Stuck.java:7) < Stuck.main(Stuck.java:4)"), stuck);
            assertTrue(p.isAlive(), "SIGQUIT only makes the JVM print its threads");
            assertTrue(Files.readString(log).contains("\"main\""), "the whole dump is in the log");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aDumpWithoutAMainThreadGivesNoFrames() {
        assertEquals(List.of(), WardJvm.mainThread("\"Reference Handler\" #9\n   java.lang.Thread.State: RUNNABLE\n\tat a.b(c)\n"));
    }
}
