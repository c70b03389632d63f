package dev.ward.kind;

import dev.ward.trust.k8s.WardKubernetes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The suites cannot run here (no container runtime), so this checks, on every build, that scripts/kind-e2e would
 * run them as they are: it names every suite and only suites that exist, loads the image the image module builds
 * under the name the chart runs, installs the chart that exists, into the namespace Ward's code uses, with the
 * pod network the chart encrypts.
 */
class KindE2eScriptTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path SCRIPT = ROOT.resolve("scripts/kind-e2e");
    private static final Path SUITES_DIR = ROOT.resolve("kind-tests/src/test/java/dev/ward/kind");

    @Test
    void theScriptIsAnExecutableBashScriptThatParses() throws Exception {
        assertTrue(Files.isExecutable(SCRIPT), SCRIPT + " is not executable");
        Process p = new ProcessBuilder("bash", "-n", SCRIPT.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "bash -n " + SCRIPT + ": " + out);
    }

    @Test
    void theScriptRunsEverySuiteAndOnlySuitesThatExistRevocationLast() throws Exception {
        List<String> named = Arrays.asList(variable("SUITES").replaceAll("^\\(|\\)$", "").trim().split("\\s+"));
        Set<String> suites = new TreeSet<>();
        try (Stream<Path> files = Files.list(SUITES_DIR)) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith("E2E.java")).forEach(n -> suites.add(n.replace(".java", "")));
        }
        assertFalse(suites.isEmpty(), "no *E2E suites under " + SUITES_DIR);
        assertEquals(suites, new TreeSet<>(named), "scripts/kind-e2e's SUITES must name exactly the suites in kind-tests");
        assertEquals(named.size(), Set.copyOf(named).size(), "a suite is named twice: " + named);
        assertEquals("RevocationE2E", named.getLast(), "revocation leaves its node revoked: it must run last");
        for (String suite : named) {
            Class<?> c = Class.forName("dev.ward.kind." + suite);
            assertTrue(Arrays.stream(c.getDeclaredMethods()).anyMatch(m -> m.isAnnotationPresent(Test.class)), suite + " has no @Test");
            EnabledIfSystemProperty gate = c.getAnnotation(EnabledIfSystemProperty.class);
            assertTrue(gate != null && gate.named().equals(KindCluster.RUN_BY_SCRIPT), suite + " must run only when scripts/kind-e2e runs it");
        }
        assertTrue(script().contains("-Dtest=\"$suite\""), "the script must run each suite by its name");
        assertTrue(script().contains("-D" + KindCluster.RUN_BY_SCRIPT + "=\"$IMAGE\""), "the script must enable the suites with the image it loaded");
    }

    @Test
    void theScriptLoadsTheImageTheBuildMakesUnderTheNameTheChartRuns() throws IOException {
        String pom = Files.readString(ROOT.resolve("image/pom.xml"));
        String version = System.getProperty("ward.version");
        String imageName = property(pom, "ward.image.name");
        assertEquals("${project.version}", property(pom, "ward.image.tag"), "the image is tagged with the build's version");
        assertEquals(imageName + ":" + version, variable("IMAGE"), "scripts/kind-e2e IMAGE must be what the image module builds");
        assertEquals("${project.build.directory}/ward-image.tar", property(pom, "ward.image.tar"));
        assertEquals("image/target/ward-image.tar", variable("IMAGE_TAR"));
        assertTrue(script().contains("kind load image-archive \"$IMAGE_TAR\""), "the script must load the tarball into kind");

        Path chart = ROOT.resolve(variable("CHART"));
        assertTrue(Files.isRegularFile(chart.resolve("Chart.yaml")), "CHART " + chart + " is not a chart");
        assertTrue(Files.readString(chart.resolve("Chart.yaml")).contains("\nappVersion: " + version + "\n"), "the chart's default tag is the build's version");
        String values = Files.readString(chart.resolve("values.yaml"));
        assertTrue(values.contains("\nimage:\n  repository: " + imageName + "\n"), "the chart's image.repository must be " + imageName);
        assertTrue(script().contains("install ward \"$CHART\" --namespace \"$NAMESPACE\""), "the script must install the chart");
        assertEquals(WardKubernetes.NAMESPACE, variable("NAMESPACE"));
    }

    @Test
    void theKindClusterUsesThePodNetworkAndDrainTheSuitesExpect() throws IOException {
        String script = script();
        String subnet = variable("POD_SUBNET");
        assertTrue(script.contains("podSubnet: $POD_SUBNET"), "kind's pod network must be POD_SUBNET");
        assertTrue(script.contains("agent.encryption.clusterCidrs={$POD_SUBNET}"), "the agents must encrypt kind's pod network");
        assertTrue(Files.readString(ROOT.resolve("deploy/helm/ward/values.yaml")).contains("clusterCidrs: [" + subnet + "]"),
                "the chart's default cluster CIDR is kind's default " + subnet);
        assertTrue(script.contains("agent.encryption.drain=$DRAIN") && script.contains("-Dward.kind.drain=$DRAIN"),
                "RotationE2E must be told the drain the agents run with");
        // kind allocates spec.podCIDRs, which the agents read from their Node: no per-node argument file.
        assertTrue(!script.contains("agent.args") && Files.readString(ROOT.resolve("deploy/helm/ward/values.yaml"))
                .contains("nodeArgsFile: \"\""), "the agents take their pod CIDR from their Node, not a file the script writes");
    }

    @Test
    void theWorkloadPodsRunTheTrafficToolThatExists() throws Exception {
        String main = PodExec.TRAFFIC_TOOL.getLast();
        Method entry = Class.forName(main).getMethod("main", String[].class);
        assertNotNull(entry);
        assertEquals("/opt/ward/jdk/bin/java", PodExec.TRAFFIC_TOOL.getFirst(), "the image's JVM (module image, build-rootfs)");
    }

    private static String script() throws IOException {
        return Files.readString(SCRIPT);
    }

    /** The value of {@code NAME=...} at the start of a line of the script. */
    private static String variable(String name) throws IOException {
        Matcher m = Pattern.compile("(?m)^" + name + "=(.+)$").matcher(script());
        assertTrue(m.find(), "scripts/kind-e2e sets no " + name);
        return m.group(1).trim();
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</" + Pattern.quote(name) + ">").matcher(pom);
        assertTrue(m.find(), "image/pom.xml has no property " + name);
        return m.group(1);
    }
}
