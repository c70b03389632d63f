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
 * {@code ward lab} for now: the xfrm self-check, on the host kernel when it has ESP, otherwise inside a
 * user-mode Linux guest booted for it (the guest runs this same JVM and class path through hostfs).
 */
public final class XfrmLab {
    private final String prefix;
    private final Path workDir;

    /**
     * @param prefix  names the lab's namespaces and guest, so parallel labs and tests do not collide
     * @param workDir where the guest's init script, console log and report go
     */
    public XfrmLab(String prefix, Path workDir) {
        this.prefix = prefix;
        this.workDir = workDir.toAbsolutePath();
    }

    /** Runs the self-check, prints its report, and returns the exit code (0 = PASS). */
    public int run(PrintStream out) throws IOException {
        KernelEspSupport kernel = KernelEspSupport.ofRunningKernel();
        if (kernel.sufficient()) {
            out.println("ward lab: the host kernel has ESP; running the xfrm self-check on it");
            SelfCheckReport r = new XfrmSelfCheck(prefix).run();
            r.print(out);
            return r.passed() ? 0 : 1;
        }
        out.println("ward lab: host " + kernel.describe() + "; booting user-mode Linux " + kernelVersion() + " for the xfrm self-check");
        Files.createDirectories(workDir);
        Path report = workDir.resolve("self-check.txt");
        Files.deleteIfExists(report);
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + UserModeLinux.guestTmpDir(workDir),
                "-cp", System.getProperty("java.class.path"), XfrmSelfCheck.class.getName(), prefix, report.toString()));
        GuestRun run = new UserModeLinux(prefix + "-uml", workDir, 1024, Duration.ofMinutes(5))
                .run(List.of(String.join(" ", java.stream().map(XfrmLab::quote).toList())));
        if (!Files.exists(report)) {
            out.println("FAIL: the self-check in the guest wrote no report (exit " + run.exitCode() + "); console: " + run.consoleLog());
            return 1;
        }
        Files.readAllLines(report).forEach(out::println);
        out.println("ward lab: guest ran " + run.millis() / 1000.0 + " s; console log " + run.consoleLog());
        return run.exitCode() == 0 ? 0 : 1;
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
