package dev.ward.lab;

import dev.ward.testbed.GuestRun;
import dev.ward.testbed.UserModeLinux;
import dev.ward.xfrm.KernelEspSupport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a lab main ({@link EncryptionLab}, or the encryption benchmark) where the kernel has ESP: in this JVM when
 * the host kernel has it, otherwise inside a user-mode Linux guest booted for it (the guest runs this same JVM
 * and class path through hostfs and writes its report into the work directory).
 */
public final class GuestLab {
    /**
     * Guards against a hung guest. The lab's own target is 15 minutes on this machine (it prints how long the guest ran),
     * but a slower machine's one-CPU guest has taken longer: that is a slow run, reported as such, not a failure.
     */
    private static final Duration GUEST_TIMEOUT = Duration.ofMinutes(35);
    /** Keeps the guest kernel's link and bridge messages off the console the lab's output is read from. */
    private static final String QUIET_KERNEL = "echo 1 > /proc/sys/kernel/printk";
    /** Lets the lab's stream receivers ask for receive buffers that outlast seconds of a starved thread (LabTraffic). */
    private static final String RECEIVE_BUFFERS = "echo 8388608 > /proc/sys/net/core/rmem_max";
    private final String prefix;
    private final Path workDir;

    /**
     * @param prefix  names the lab's namespaces, links and guest, so parallel labs and tests do not collide
     * @param workDir where the guest's init script, console log, logs and reports go
     */
    public GuestLab(String prefix, Path workDir) {
        this.prefix = LabNetwork.requireValidPrefix(prefix);
        this.workDir = workDir.toAbsolutePath();
    }

    /** Runs {@code main} with arguments {@code PREFIX WORK_DIR extra...} and returns its exit code. */
    public int run(Class<?> main, String what, List<String> extra, PrintStream out) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        KernelEspSupport kernel = KernelEspSupport.ofRunningKernel();
        List<String> args = new ArrayList<>(List.of(prefix, workDir.toString()));
        args.addAll(extra);
        if (kernel.sufficient()) {
            out.println("ward lab: the host kernel has ESP; running " + what + " on it");
            List<String> cmd = new ArrayList<>(java(Path.of(System.getProperty("java.io.tmpdir"))));
            cmd.add(main.getName());
            cmd.addAll(args);
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        }
        out.println("ward lab: host " + kernel.describe() + "; booting user-mode Linux " + kernelVersion() + " for " + what
                + " (progress: " + workDir.resolve("console.log") + ")");
        List<String> cmd = new ArrayList<>(java(UserModeLinux.guestTmpDir(workDir)));
        Path archive = workDir.resolve("ward-lab.jsa");
        long t0 = System.nanoTime();
        if (WardJvm.makeClassArchive(archive, Path.of(System.getProperty("java.io.tmpdir")), out)) {
            cmd.add(cmd.indexOf("-cp"), "-D" + WardJvm.CLASS_ARCHIVE_PROPERTY + "=" + archive);
            out.printf(java.util.Locale.ROOT, "ward lab: class-data archive for the guest's Ward JVMs made on the host in %.1f s (%d MB): %s%n",
                    (System.nanoTime() - t0) / 1e9, Files.size(archive) >> 20, archive);
        }
        cmd.add(main.getName());
        cmd.addAll(args);
        Path console = workDir.resolve("console.log");
        Files.deleteIfExists(console);
        GuestRun run;
        try (ConsoleFollower follower = ConsoleFollower.start(console, out)) {
            run = new UserModeLinux(prefix + "-uml", workDir, 3072, GUEST_TIMEOUT)
                    .run(List.of(QUIET_KERNEL, RECEIVE_BUFFERS, String.join(" ", cmd.stream().map(GuestLab::quote).toList())));
            if (!follower.sawOutput()) out.println("ward lab: the guest printed no scenario; its console ends with:\n" + follower.tail(20));
        }
        out.println("ward lab: guest ran " + run.millis() / 1000.0 + " s; console log " + run.consoleLog() + ", process logs " + workDir.resolve("logs"));
        return run.exitCode();
    }

    private static List<String> java(Path tmpDir) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx384m", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + tmpDir));
        // The guest starts with no environment of ours: tell its lab where the checkout (and its CNI plugin) is.
        String home = System.getProperty("ward.home", System.getenv("WARD_HOME"));
        if (home != null) cmd.add("-Dward.home=" + home);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return cmd;
    }

    private static String kernelVersion() {
        try {
            return UserModeLinux.kernelVersion();
        } catch (IOException e) {
            return "(not installed)";
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
