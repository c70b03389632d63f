package dev.ward.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.CniRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The lab's pods wired as a container runtime (containerd, CRI-O) wires a pod sandbox: it creates the pod's network
 * namespace, brings its loopback up with Debian's {@code loopback} plugin, then runs the node's network configuration
 * through its plugins in the node's namespace, each with CNI_* in its environment and its configuration on stdin:
 * Debian's {@code ptp} (a veth pair, host-local IPAM in the node's pod CIDR, the pod MTU), chained with Ward's plugin
 * ({@code cni/ward-cni}), which returns only once the node's agent enforces the pod's policy. The pod's labels and its
 * address are the runtime's arguments ({@code args.cni.labels}, {@code args.cni.ips}); CNI_ARGS names the pod as
 * Kubernetes runtimes do. A node without an agent (the lab's rogue node) runs ptp alone.
 */
public final class CniPods {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where Debian's containernetworking-plugins puts ptp, host-local and loopback. */
    static final Path DEBIAN_PLUGINS = Path.of("/usr/lib/cni");

    /** A pod the plugins wired: its host-side veth (from ptp's result) and how long the runtime's ADD took. */
    public record Wired(LabNetwork.Pod pod, String veth, long millis) {}

    private final Path bin;
    private final Path ipam;
    private final int podMtu;

    /**
     * @param workDir where the CNI_PATH directory with Ward's plugin and host-local's leases go
     * @param wardHome the Ward checkout, whose {@code cni/ward-cni} is the plugin's launcher
     */
    public CniPods(Path workDir, Path wardHome, int podMtu) throws IOException {
        Path launcher = wardHome.resolve("cni/ward-cni");
        if (!Files.isExecutable(launcher) || !Files.exists(wardHome.resolve("cni/target/ward-cni.jar"))) {
            throw new IOException("Ward's CNI plugin is not built at " + launcher + " (run the lab as ./ward lab, which builds it)");
        }
        if (!Files.isExecutable(DEBIAN_PLUGINS.resolve("ptp"))) {
            throw new IOException("no ptp plugin in " + DEBIAN_PLUGINS + ": install containernetworking-plugins (scripts/install-deps)");
        }
        this.bin = Files.createDirectories(workDir.resolve("cni-bin"));
        Files.deleteIfExists(bin.resolve("ward"));
        Files.createSymbolicLink(bin.resolve("ward"), launcher);
        this.ipam = workDir.resolve("cni-ipam");
        LabEnvironment.deleteTree(ipam);
        this.podMtu = podMtu;
    }

    /**
     * The Ward checkout whose CNI plugin the lab runs: {@code -Dward.home} (the guest's JVM gets it from the lab), or
     * {@code WARD_HOME}, which the {@code ward} launcher sets.
     */
    public static Path wardHome() throws IOException {
        String home = System.getProperty("ward.home", System.getenv("WARD_HOME"));
        if (home == null) throw new IOException("the lab runs Ward's CNI plugin from the checkout and does not know where it is: run it as ./ward lab");
        return Path.of(home);
    }

    /** The configuration a node's runtime reads from /etc/cni/net.d: ptp, then Ward when the node runs an agent. */
    ObjectNode conflist(LabNetwork.Node node, Path agentSocket) {
        ObjectNode list = JSON.createObjectNode().put("cniVersion", "1.0.0").put("name", "ward-lab");
        ArrayNode plugins = list.putArray("plugins");
        ObjectNode ptp = plugins.addObject().put("type", "ptp").put("mtu", podMtu).put("ipMasq", false);
        ObjectNode hostLocal = ptp.putObject("ipam").put("type", "host-local").put("dataDir", ipam.resolve(node.name()).toString());
        hostLocal.putArray("ranges").addArray().addObject().put("subnet", node.podCidr().toString())
                .put("gateway", LabNetwork.gateway(node).getHostAddress());
        hostLocal.putArray("routes").addObject().put("dst", "0.0.0.0/0");
        if (agentSocket != null) {
            plugins.addObject().put("type", "ward").put("agentSocket", agentSocket.toString()).put("readyTimeoutSeconds", 120);
        }
        return list;
    }

    /** Creates {@code pod}'s namespace and runs the node's CNI ADD for it; throws naming the plugin that refused. */
    public Wired add(LabNetwork.Node node, LabNetwork.Pod pod, Map<String, String> labels, Path agentSocket) throws Exception {
        if (NetworkNamespace.exists(pod.netns())) NetworkNamespace.delete(pod.netns());
        NetworkNamespace.create(pod.netns());
        LabNetwork.sysctl(pod.netns(), "net/ipv6/conf/all/disable_ipv6", "1"); // keeps the capture to the traffic the lab sends
        long start = System.nanoTime();
        String netns = NetworkNamespace.path(pod.netns()).toString();
        CniRuntime runtime = runtime(node, agentSocket).labels(labels).ips(List.of(pod.ip().getHostAddress()));
        CniRuntime.Exec lo = runtime.run("loopback", Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", containerId(pod), "CNI_NETNS", netns,
                "CNI_IFNAME", "lo"), "{\"cniVersion\":\"1.0.0\",\"name\":\"lo\",\"type\":\"loopback\"}".getBytes());
        if (lo.exit() != 0) throw new IllegalStateException("CNI ADD of " + pod + ": loopback failed: " + lo.stdout() + " " + lo.stderr());
        CniRuntime.Outcome o = runtime.add(containerId(pod), netns, "eth0", cniArgs(pod));
        if (!o.ok()) {
            CniRuntime.Exec failed = o.last();
            throw new IllegalStateException("CNI ADD of " + pod + " on " + node.name() + ": plugin " + failed.plugin() + " refused: "
                    + failed.stdout() + (failed.stderr().isEmpty() ? "" : " (stderr: " + failed.stderr() + ")"));
        }
        List<String> ips = new ArrayList<>();
        String veth = null;
        for (JsonNode ip : o.result().path("ips")) ips.add(ip.path("address").asText());
        for (JsonNode i : o.result().path("interfaces")) if (!i.has("sandbox")) veth = i.path("name").asText();
        if (!ips.equals(List.of(pod.ip().getHostAddress() + "/" + node.podCidr().length()))) {
            throw new IllegalStateException("CNI ADD of " + pod + " gave addresses " + ips + ", not " + pod.ip().getHostAddress());
        }
        return new Wired(pod, veth, (System.nanoTime() - start) / 1_000_000);
    }

    private CniRuntime runtime(LabNetwork.Node node, Path agentSocket) {
        return new CniRuntime(node.netns(), List.of(bin, DEBIAN_PLUGINS), conflist(node, agentSocket))
                .environment("WARD_CNI_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * What CNI_ARGS carries from a Kubernetes runtime: the pod's namespace and name (a pod named {@code ns/name} is in
     * namespace {@code ns}, the others in {@code default}).
     */
    static String cniArgs(LabNetwork.Pod pod) {
        int slash = pod.name().indexOf('/');
        String namespace = slash < 0 ? "default" : pod.name().substring(0, slash);
        return "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + pod.name().substring(slash + 1);
    }

    static String containerId(LabNetwork.Pod pod) {
        return "lab-" + pod.name().replace('/', '-');
    }
}
