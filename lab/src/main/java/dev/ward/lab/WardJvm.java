package dev.ward.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts Ward's own launchers ({@code ward ...}, {@code wardctl ...}) as separate JVMs with this JVM's class
 * path, as an operator would run them: keyd and each agent are their own processes, and every wardctl call is
 * one. Options keep start-up cheap (a JVM inside user-mode Linux starts in seconds).
 */
public final class WardJvm {
    public static final String WARD = "dev.ward.cli.Ward", WARDCTL = "dev.ward.cli.Wardctl";

    /** A finished command: exit code, combined output, and how long it ran. */
    public record Outcome(int exitCode, String output, long millis) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    private final Path logs;
    private final List<String> jvm;

    /** @param logs where each process's output goes ({@code NAME.log}) */
    public WardJvm(Path logs, Path tmpDir) throws IOException {
        this.logs = Files.createDirectories(logs);
        try {
            Class.forName(WARDCTL, false, WardJvm.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IOException("the lab starts Ward's launchers and needs their class path (" + WARDCTL
                    + " is not on it): run it as ./ward lab");
        }
        // One class-data archive for every Ward JVM of the run: they map the classes it holds (picocli, jackson, the
        // etcd client...) instead of reading and verifying them from the jars again. Made on the host before the
        // guest boots (makeClassArchive), or else written by the first JVM here as it exits.
        String made = System.getProperty(CLASS_ARCHIVE_PROPERTY);
        List<String> archive = made != null && Files.isRegularFile(Path.of(made))
                ? List.of("-XX:SharedArchiveFile=" + made)
                : List.of("-XX:SharedArchiveFile=" + tmpDir.resolve("ward-lab.jsa"), "-XX:+AutoCreateSharedArchive");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(archive);
        cmd.addAll(flags(tmpDir));
        this.jvm = List.copyOf(cmd);
    }

    /** The system property that names a class-data archive made by {@link #makeClassArchive} for this run's JVMs. */
    public static final String CLASS_ARCHIVE_PROPERTY = "ward.lab.class-archive";

    /** Every lab JVM's options but the archive's: cheap to start (a JVM inside user-mode Linux starts in seconds). */
    private static List<String> flags(Path tmpDir) {
        return List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx160m", "-Xss512k",
                "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmpDir, "-Dward.etcd.timeout.seconds=60",
                "-cp", System.getProperty("java.class.path"));
    }

    /**
     * Writes {@code archive}: the classes {@code wardctl ca init} loads against a real etcd (the CLI, the etcd client,
     * the CA), dumped as that JVM exits. Run on the host, where it takes seconds, rather than by the guest's first
     * JVM, where the dump alone took 30 s. False, with the reason printed, if it could not be made.
     */
    public static boolean makeClassArchive(Path archive, Path tmpDir, java.io.PrintStream out) {
        try (dev.ward.testbed.EtcdProcess etcd = dev.ward.testbed.EtcdProcess.start()) {
            Files.deleteIfExists(archive);
            Path key = Files.createTempFile(tmpDir, "archive-ca", ".pem");
            Files.delete(key);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:ArchiveClassesAtExit=" + archive));
            cmd.addAll(flags(tmpDir));
            cmd.addAll(List.of(WARDCTL, "ca", "init", "--ca-key-file", key.toString(), "--store", "etcd://127.0.0.1:" + etcd.clientPort()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            boolean done = p.waitFor(120, TimeUnit.SECONDS);
            if (!done) p.destroyForcibly();
            Files.deleteIfExists(key);
            if (done && p.exitValue() == 0 && Files.isRegularFile(archive)) return true;
            out.println("ward lab: no class-data archive (wardctl ca init " + (done ? "exited " + p.exitValue() : "took over 120 s")
                    + "); the guest's first JVM writes one");
        } catch (IOException e) {
            out.println("ward lab: no class-data archive (" + e.getMessage() + "); the guest's first JVM writes one");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    public Path log(String name) {
        return logs.resolve(name + ".log");
    }

    /** Starts {@code main args} in the background, its output appended to {@code NAME.log}. */
    public Process start(String name, String main, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(jvm);
        cmd.add(main);
        cmd.addAll(args);
        Files.writeString(log(name), "$ " + describe(main, args) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile())).start();
    }

    /**
     * How long a wardctl call may take before the lab calls it stuck: a hang guard, far above the 10-40 s a call takes
     * in a busy guest, so a slow machine is not mistaken for a hang.
     */
    public static final Duration HANG_GUARD = Duration.ofSeconds(240);

    /** {@link #wardctl(Duration, String...)} within the {@link #HANG_GUARD}. */
    public Outcome wardctl(String... args) throws IOException {
        return wardctl(HANG_GUARD, args);
    }

    /**
     * Runs {@code wardctl args} to completion: its standard output is the outcome's; all of it goes to {@code wardctl.log}.
     * One that overruns {@code timeout} fails naming where its main thread was.
     */
    public Outcome wardctl(Duration timeout, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(jvm);
        cmd.add(WARDCTL);
        cmd.addAll(List.of(args));
        Path output = logs.resolve("wardctl-" + Thread.currentThread().threadId() + ".out");
        long start = System.nanoTime();
        Files.writeString(log("wardctl"), "$ wardctl " + String.join(" ", args) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Process p = new ProcessBuilder(cmd).redirectOutput(output.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log("wardctl").toFile())).start();
        try {
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                String stuck = whereStuck(p, output, log("wardctl"));
                p.destroyForcibly();
                throw new IOException("wardctl " + String.join(" ", args) + " did not finish within " + timeout.toSeconds() + " s; " + stuck);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        byte[] out = Files.readAllBytes(output);
        Files.delete(output);
        Outcome o = new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8), (System.nanoTime() - start) / 1_000_000);
        Files.writeString(log("wardctl"), o.output() + "[exit " + o.exitCode() + ", " + o.millis() + " ms]\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return o;
    }

    /**
     * Where a wardctl that overran its time is: a SIGQUIT makes its JVM print every thread's stack on its standard
     * output (kept whole in wardctl.log); the main thread's top frames are returned for the failure line.
     */
    static String whereStuck(Process p, Path output, Path log) {
        try {
            long before = Files.size(output);
            new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<String> main = List.of();
            while (System.nanoTime() < deadline && main.isEmpty()) {
                Thread.sleep(500);
                String text = Files.readString(output, StandardCharsets.ISO_8859_1);
                if (text.length() > before && text.contains("JNI global refs")) main = mainThread(text.substring((int) before));
            }
            String dump = Files.readString(output, StandardCharsets.ISO_8859_1);
            Files.writeString(log, "[overran its time; its output and thread dump:]\n" + dump + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            return main.isEmpty() ? "it printed no thread dump within 10 s of SIGQUIT (see logs/" + log.getFileName() + ")"
                    : "its main thread: " + String.join(" < ", main) + " (every thread: logs/" + log.getFileName() + ")";
        } catch (IOException e) {
            return "no thread dump: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "no thread dump (interrupted)";
        }
    }

    /** The top frames of the {@code "main"} thread in a JVM thread dump. */
    static List<String> mainThread(String dump) {
        List<String> frames = new ArrayList<>();
        boolean in = false;
        for (String line : dump.split("\n")) {
            if (line.startsWith("\"main\"")) in = true;
            else if (in && line.isBlank()) break;
            else if (in && line.strip().startsWith("at ") && frames.size() < 8) frames.add(line.strip().substring(3));
        }
        return frames;
    }

    private static String describe(String main, List<String> args) {
        return (main.equals(WARD) ? "ward " : main.equals(WARDCTL) ? "wardctl " : main + " ") + String.join(" ", args);
    }
}
