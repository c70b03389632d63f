package dev.ward.image;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Opens the tarball jib wrote at {@code mvn package} and checks what a container runtime would take from it: the
 * name it loads as, how it starts (entrypoint, user), and that it holds the launchers, every jar the launchers'
 * class path has, the JVM and the shared libraries the daemons load.
 */
class ImageContentsIT {
    private static final String LIBS = "/usr/lib/x86_64-linux-gnu/";
    private static ImageArchive image;

    @BeforeAll
    static void open() throws IOException {
        image = ImageArchive.open(Path.of(System.getProperty("ward.image.tar")));
    }

    @Test
    void loadsUnderTheNameTheChartAndKindE2eUse() {
        assertEquals(List.of(System.getProperty("ward.image.reference")), image.repoTags());
        assertEquals("linux", image.config().path("os").asText());
        assertEquals("amd64", image.config().path("architecture").asText());
    }

    @Test
    void startsTheWardLauncherAsTheNonRootUser() {
        JsonNode run = image.runConfig();
        assertEquals(List.of("/usr/local/bin/ward"), strings(run.path("Entrypoint")));
        String uid = System.getProperty("ward.image.user");
        assertEquals(uid + ":" + uid, run.path("User").asText(), "the daemons run as non-root unless a pod asks for root (the agent does)");
        assertNotEquals("0", uid);
        assertTrue(strings(run.path("Env")).contains("PATH=/usr/local/bin:/usr/bin:/bin"), "wardctl must be found on PATH by kubectl exec");
        assertTrue(image.file("/etc/passwd").text().lines().anyMatch(l -> l.startsWith("ward:x:" + uid + ":" + uid + ":")),
                "the user has a passwd entry (the JVM asks for its name and home)");
    }

    @Test
    void holdsBothLaunchersRunningTheImagesJvmWithNativeAccess() {
        for (String[] launcher : new String[][] {{"ward", "dev.ward.cli.Ward"}, {"wardctl", "dev.ward.cli.Wardctl"}}) {
            ImageArchive.Entry e = image.file("/usr/local/bin/" + launcher[0]);
            assertTrue(e.executable(), launcher[0] + " is not executable: mode " + Integer.toOctalString(e.mode()));
            String text = e.text();
            assertTrue(text.startsWith("#!/bin/sh\n"), launcher[0] + " must be a POSIX sh script: " + text);
            assertTrue(text.contains("exec /opt/ward/jdk/bin/java --enable-native-access=ALL-UNNAMED "), launcher[0] + ": " + text);
            assertTrue(text.contains("-cp '/opt/ward/libs/*' " + launcher[1] + " \"$@\""), launcher[0] + ": " + text);
            assertFalse(text.contains("${"), launcher[0] + " has an unfiltered Maven property: " + text);
        }
        assertTrue(image.file("/bin/sh").executable());
    }

    @Test
    void holdsEveryJarOfTheLaunchersClassPath() throws IOException {
        // The launchers of a checkout (./ward, ./wardctl) run cli/target/ward-cli.jar with cli/target/lib/*: the
        // image must hold each of those jars, or a daemon fails in the cluster with a class missing.
        Path cli = Path.of(System.getProperty("user.dir")).getParent().resolve("cli/target");
        List<String> missing = new ArrayList<>();
        try (Stream<Path> jars = Files.list(cli.resolve("lib"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                if (!image.files().containsKey("/opt/ward/libs/" + jar.getFileName())) missing.add(jar.getFileName().toString());
            }
        }
        assertTrue(missing.isEmpty(), "the image lacks jars of the launchers' class path: " + missing);
        assertTrue(image.files().keySet().stream().anyMatch(p -> p.matches("/opt/ward/libs/ward-cli[^/]*\\.jar")), "the image lacks ward-cli's jar");
    }

    @Test
    void holdsTheJvmAndTheLibrariesItAndTheDatapathLoad() {
        assertTrue(image.file("/opt/ward/jdk/bin/java").executable());
        assertTrue(image.file("/opt/ward/jdk/lib/jspawnhelper").executable());
        image.file("/opt/ward/jdk/lib/server/libjvm.so");
        image.file("/opt/ward/jdk/lib/modules");
        assertTrue(image.file("/lib64/ld-linux-x86-64.so.2").executable(), "the program interpreter every executable names");
        // glibc for the JVM and for the FFM layer (netlink, setns); libbpf for the BPF datapath, with what it links.
        for (String lib : List.of("libc.so.6", "libm.so.6", "libz.so.1", "libbpf.so.1", "libelf.so.1")) {
            ImageArchive.Entry e = image.file(LIBS + lib);
            assertTrue(e.size() > 10_000, lib + " is only " + e.size() + " bytes");
        }
        assertFalse(image.files().keySet().stream().anyMatch(p -> p.contains("libX11") || p.contains("libasound")),
                "windowing and sound libraries have no place in the image");
        assertFalse(image.files().containsKey("/opt/ward/jdk/bin/javac"), "the image runs Ward, it does not compile: no javac");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
