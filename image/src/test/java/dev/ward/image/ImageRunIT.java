package dev.ward.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs the image without a container runtime: its layers unpacked into a directory, and its programs started in a
 * chroot there, with a private /proc (the loader finds the JVM's libraries relative to /proc/self/exe), the devices
 * a runtime creates, and a fresh network namespace. Nothing of this machine's file system is visible inside, so a library or
 * jar the image lacks fails here as it would on a node.
 */
class ImageRunIT {
    private static final long TIMEOUT_SECONDS = 90;
    private static Path root;
    private static String user;

    private record Run(int exit, String output) {}

    @BeforeAll
    static void unpack() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "unpacking the image with its modes and chroot need root");
        user = System.getProperty("ward.image.user");
        root = Files.createTempDirectory(Path.of(System.getProperty("user.dir"), "target"), "image-root-");
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")); // the image's /
        ImageArchive.open(Path.of(System.getProperty("ward.image.tar"))).extractTo(root);
        // What a runtime provides every container: the /proc mount point and the character devices of /dev
        // (without /dev/urandom the JVM seeds SecureRandom from thread timing, which takes many seconds).
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("dev"));
        for (String[] dev : new String[][] {{"null", "3"}, {"zero", "5"}, {"full", "7"}, {"random", "8"}, {"urandom", "9"}}) {
            Process mknod = new ProcessBuilder("mknod", "-m", "666", root.resolve("dev/" + dev[0]).toString(), "c", "1", dev[1]).inheritIO().start();
            assertEquals(0, mknod.waitFor(), "mknod /dev/" + dev[0]);
        }
    }

    @AfterAll
    static void remove() throws IOException {
        if (root == null) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void wardctlStartsOnTheImagesOwnJvmAsTheImageUser() throws Exception {
        Run r = inImage(user, Map.of(), "/usr/local/bin/wardctl", "--version");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().startsWith("ward "), r.output());
        Run help = inImage(user, Map.of(), "/usr/local/bin/ward", "help", "agent");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().contains("--underlay-ip"), help.output());
    }

    @Test
    void aCommandUsingCryptoJsonAndTheFileStoreWorksInsideTheImage() throws Exception {
        // BouncyCastle, Jackson and the directory store: what keyd and the agent load in their first second.
        Run init = inImage(user, Map.of(), "/usr/local/bin/wardctl", "ca", "init", "--store", "dir:/tmp/ca", "--trust-domain", "image.test");
        assertEquals(0, init.exit(), init.output());
        Run show = inImage(user, Map.of(), "/usr/local/bin/wardctl", "ca", "show", "--store", "dir:/tmp/ca", "-o", "json");
        assertEquals(0, show.exit(), show.output());
        assertTrue(show.output().contains("image.test"), show.output());
    }

    @Test
    void nativeCallsOverFfmReachTheKernelFromInsideTheImage() throws Exception {
        // netlink through the FFM layer and the image's glibc, as root (xfrm dumps need CAP_NET_ADMIN) in an empty
        // network namespace, so the answer is known: no SAs.
        Run r = inImage("0", Map.of(), "/usr/local/bin/wardctl", "xfrm", "states", "-o", "json");
        assertEquals(0, r.exit(), r.output());
        JsonNode sas = new ObjectMapper().readTree(r.output());
        assertTrue(sas.isArray() && sas.isEmpty(), r.output());
    }

    @Test
    void everyProgramAndLibraryOfTheImageResolvesItsLibrariesInsideIt() throws Exception {
        List<String> elves = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                if (isElf(p)) elves.add("/" + root.relativize(p));
            }
        }
        assertTrue(elves.contains("/usr/lib/x86_64-linux-gnu/libbpf.so.1"), "no libbpf among " + elves);
        assertTrue(elves.size() > 20, "too few ELF files: " + elves);
        // The JVM's own libraries find libjvm because the launcher loaded it first; the loader is told so here.
        Map<String, String> jvmLibraries = Map.of("LD_LIBRARY_PATH", "/opt/ward/jdk/lib/server:/opt/ward/jdk/lib");
        List<String> unresolved = new ArrayList<>();
        for (String elf : elves) {
            if (elf.equals("/lib64/ld-linux-x86-64.so.2") || elf.endsWith("/ld-linux-x86-64.so.2")) continue;
            Run r = inImage("0", jvmLibraries, "/lib64/ld-linux-x86-64.so.2", "--list", elf);
            if (r.exit() != 0 || r.output().contains("not found")) unresolved.add(elf + ": " + r.output().strip());
        }
        assertTrue(unresolved.isEmpty(), "libraries missing from the image:\n" + String.join("\n", unresolved));
        Run bpf = inImage("0", Map.of(), "/lib64/ld-linux-x86-64.so.2", "--list", "/usr/lib/x86_64-linux-gnu/libbpf.so.1");
        assertTrue(bpf.output().contains("libelf.so.1 => /usr/lib/x86_64-linux-gnu/libelf.so.1"), bpf.output());
    }

    /** Runs {@code command} chrooted in the image as {@code uid}, with a private /proc and network namespace. */
    private static Run inImage(String uid, Map<String, String> env, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--pid", "--fork", "--net", "--mount-proc=" + root.resolve("proc"),
                "/usr/sbin/chroot", "--userspec=" + uid + ":" + uid, root.toString()));
        cmd.addAll(List.of(command));
        Path output = Files.createTempFile("image-run-", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().clear(); // the image's environment, as its config sets it, not this JVM's (hence the absolute paths)
        pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s: " + Files.readString(output));
            }
            return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.delete(output);
        }
    }

    private static boolean isElf(Path p) throws IOException {
        if (Files.size(p) < 4) return false;
        try (var in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        }
    }
}
