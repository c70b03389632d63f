package dev.ward.testbed.junit;

import dev.ward.testbed.GuestFailedException;
import dev.ward.testbed.GuestRun;
import dev.ward.testbed.UserModeLinux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs test classes that need a kernel feature (ESP) where the feature is: in this JVM when the host kernel
 * has it, otherwise in one user-mode Linux guest booted for all the classes at once. Either way the caller
 * gets every test's outcome, to report as its own tests.
 */
public final class KernelLab {
    /** JVM options for the guest: one slow CPU, so start fast (C1 only, serial GC) rather than peak late. */
    static final List<String> GUEST_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx768m",
            "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-Dward.kernel.lab=guest");

    private final String umid;
    private final Path workDir;
    private final Duration timeout;

    /**
     * @param umid    the guest's name, with the caller's namespace prefix
     * @param workDir a directory on the host filesystem (the guest writes results there through hostfs)
     */
    public KernelLab(String umid, Path workDir, Duration timeout) {
        this.umid = umid;
        this.workDir = workDir.toAbsolutePath();
        this.timeout = timeout;
    }

    public List<GuestTestResult> runHere(List<Class<?>> classes) throws ClassNotFoundException {
        return GuestTestRunner.run(names(classes));
    }

    /** Boots the guest once and runs every class in it with this JVM's class path. */
    public List<GuestTestResult> runInGuest(List<Class<?>> classes) throws IOException {
        Files.createDirectories(workDir);
        Path results = workDir.resolve("results.txt");
        Files.deleteIfExists(results);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(GUEST_JVM_OPTIONS);
        cmd.add("-Djava.io.tmpdir=" + UserModeLinux.guestTmpDir(workDir));
        cmd.addAll(List.of("-cp", classpath, GuestTestRunner.class.getName(), results.toString()));
        cmd.addAll(names(classes));
        GuestRun run = new UserModeLinux(umid, workDir, 1536, timeout).run(List.of("cd " + shellQuote(workDir.toString()),
                String.join(" ", cmd.stream().map(KernelLab::shellQuote).toList())));
        if (!Files.exists(results)) {
            throw new GuestFailedException("the guest ran but wrote no test results (exit " + run.exitCode() + "); console: "
                    + run.consoleLog());
        }
        List<GuestTestResult> parsed = GuestTestResults.parse(Files.readString(results));
        if (!run.succeeded()) {
            throw new GuestFailedException("the test runner in the guest exited with " + run.exitCode() + "; console: " + run.consoleLog());
        }
        return parsed;
    }

    private static List<String> names(List<Class<?>> classes) {
        return classes.stream().map(Class::getName).toList();
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
