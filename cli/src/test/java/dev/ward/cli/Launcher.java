package dev.ward.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The checkout's real launchers ({@code ./wardctl}, {@code ./ward}) as an operator runs them: the shell script, its
 * JVM flags and the class path {@code package} wrote. Output goes to files, so a daemon's lines can be read while
 * it runs.
 */
final class Launcher {
    private static final Path HOME = Path.of(System.getProperty("ward.home", "..")).toAbsolutePath().normalize();

    record Result(int exit, String out, String err) {}

    private Launcher() {}

    static Result run(Path workDir, String launcher, String... args) throws Exception {
        Daemon d = start(workDir, launcher, args);
        if (!d.process.waitFor(120, TimeUnit.SECONDS)) {
            d.close();
            throw new AssertionError(launcher + " " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(d.process.exitValue(), d.out(), d.err());
    }

    static Daemon start(Path workDir, String launcher, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(HOME.resolve(launcher).toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, launcher, ".out");
        Path err = Files.createTempFile(workDir, launcher, ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("WARD_STORE");
        pb.environment().remove("WARD_LOG_FORMAT");
        return new Daemon(pb.start(), out, err);
    }

    /** A launcher process still running (a daemon), with what it has written so far. */
    static final class Daemon implements AutoCloseable {
        final Process process;
        private final Path out;
        private final Path err;

        Daemon(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        String out() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        String err() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }

        /** Waits until a line of stderr matches; fails with what it wrote if none does in time or the process exits. */
        List<String> awaitErrLine(Predicate<String> wanted, Duration timeout) throws Exception {
            Instant end = Instant.now().plus(timeout);
            while (Instant.now().isBefore(end)) {
                List<String> lines = err().lines().toList();
                if (lines.stream().anyMatch(wanted)) return lines;
                if (!process.isAlive()) break;
                Thread.sleep(200);
            }
            throw new AssertionError("no matching log line (process " + (process.isAlive() ? "running" : "exited " + process.exitValue())
                    + "); stderr:\n" + err() + "\nstdout:\n" + out());
        }

        @Override
        public void close() throws Exception {
            // The launcher execs java: this is the JVM itself, so SIGTERM runs the daemon's shutdown hook.
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
