package dev.ward.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boots Debian's user-mode Linux kernel ({@code linux.uml}, a 6.1 kernel with ESP and AES-GCM as modules) on
 * the host's root filesystem, runs shell commands as its init, and returns their exit code. The guest is a host
 * process tree: it is killed if it outlives the timeout or the JVM that booted it, and its scratch directory names
 * it by {@code umid}.
 */
public final class UserModeLinux {
    public static final Path KERNEL = Path.of("/usr/bin/linux.uml");
    public static final Path MODULES = Path.of("/usr/lib/uml/modules");
    /** ESP for IPv4/IPv6, xfrm netlink and what the lab wires namespaces with. */
    public static final List<String> NETWORK_MODULES = List.of("xfrm_user", "esp4", "esp6", "veth", "bridge");

    private final String umid;
    private final Path workDir;
    private final int memoryMiB;
    private final Duration timeout;

    /**
     * @param umid    names the guest (and its host-side directory); callers put their namespace prefix in it
     * @param workDir where the init script, console log and UML's own files go; must be on the host filesystem
     */
    public UserModeLinux(String umid, Path workDir, int memoryMiB, Duration timeout) {
        this.umid = umid;
        this.workDir = workDir.toAbsolutePath();
        this.memoryMiB = memoryMiB;
        this.timeout = timeout;
    }

    /** The guest's private temporary directory (tmpfs) for a guest run with {@code workDir}: pass it as java.io.tmpdir. */
    public static Path guestTmpDir(Path workDir) {
        return workDir.toAbsolutePath().resolve("scratch").resolve("tmp");
    }

    /** Whether this machine can boot the guest at all. */
    public static boolean installed() {
        return Files.isExecutable(KERNEL) && Files.isDirectory(MODULES);
    }

    /** The single kernel version shipped under /usr/lib/uml/modules. */
    public static String kernelVersion() throws IOException {
        try (var dirs = Files.list(MODULES)) {
            List<Path> versions = dirs.filter(Files::isDirectory).toList();
            if (versions.size() != 1) throw new IOException("expected one kernel version under " + MODULES + ", found " + versions);
            return versions.getFirst().getFileName().toString();
        }
    }

    /** Boots the guest, runs {@code commands} one after the other in its init, and powers it off. */
    public GuestRun run(List<String> commands) throws IOException {
        if (!installed()) {
            throw new GuestFailedException("user-mode Linux is not installed (" + KERNEL + "; Debian package user-mode-linux, "
                    + "which scripts/install-deps installs)");
        }
        Files.createDirectories(workDir);
        Path scratch = Files.createDirectories(workDir.resolve("scratch"));
        GuestInit init = new GuestInit(kernelVersion(), scratch.toString(), NETWORK_MODULES, commands, GuestInit.DEFAULT_MARKER);
        Path script = workDir.resolve("init.sh");
        Files.writeString(script, init.script());
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path console = workDir.resolve("console.log");
        List<String> cmd = new ArrayList<>(List.of(KERNEL.toString(), "umid=" + umid, "uml_dir=" + workDir + "/",
                "mem=" + memoryMiB + "M", "root=/dev/root", "rootfstype=hostfs", "rootflags=/", "rw",
                "init=" + script, "con=null", "con0=fd:0,fd:1"));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        // The guest is a tree of host processes that the kernel would re-parent to init when this JVM goes: a
        // Ctrl-C, a timeout(1) or a kill of the lab must take the guest (0.5 GB or more) down with it.
        Thread reaper = new Thread(() -> killTree(p), "ward-uml-reaper-" + umid);
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                killTree(p);
                throw new GuestFailedException("guest " + umid + " did not finish within " + timeout.toSeconds() + " s; console: "
                        + console + tail(console));
            }
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new GuestFailedException("interrupted while guest " + umid + " ran");
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook runs (or ran) and kills the guest
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        Integer code = exitCode(Files.readString(console), init.exitMarker());
        if (code == null) {
            throw new GuestFailedException("guest " + umid + " ended without reporting an exit code (did it boot?); console: "
                    + console + tail(console));
        }
        return new GuestRun(code, millis, console);
    }

    static Integer exitCode(String consoleText, String marker) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(marker) + " (\\d+)\\s*$").matcher(consoleText);
        Integer last = null;
        while (m.find()) last = Integer.parseInt(m.group(1));
        return last;
    }

    /** UML runs each guest process as a host thread group under the kernel process: kill all of them. */
    private static void killTree(Process p) {
        if (!p.isAlive()) return;
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path console) {
        try {
            List<String> lines = Files.readAllLines(console);
            return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
