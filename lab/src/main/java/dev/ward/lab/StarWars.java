package dev.ward.lab;

import dev.ward.netlink.IpPrefix;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The cast of the lab's policy scenarios, from Cilium's Star Wars demo: the deathstar ({@code org=empire,
 * class=deathstar}), a pod created on node n2 once rule1 is in the store, with an echo service on 80 and 8080; and
 * the tiefighters ({@code org=empire}) and xwings ({@code org=alliance}) the lab's pods already are, on its node and on
 * n1.
 */
public final class StarWars implements AutoCloseable {
    public static final Map<String, String> DEATHSTAR_LABELS = Map.of("org", "empire", "class", "deathstar");
    public static final int HTTP = 80, OTHER_PORT = 8080;

    private final LabEnvironment env;
    private final List<AutoCloseable> services = new ArrayList<>();
    private boolean created;

    /** The cast of {@code env}'s cluster, once it is up. */
    public StarWars(LabEnvironment env) {
        this.env = env;
    }

    /** The deathstar's node (n2), whose agent enforces rule1 on it. */
    public LabNetwork.Node node() {
        return env.nodes().get(1);
    }

    public LabNetwork.Pod deathstar() {
        LabNetwork.Node node = node();
        return new LabNetwork.Pod("deathstar", node.netns() + "-ds", IpPrefix.address("10.244." + node.index() + ".21"));
    }

    /** The tiefighter (org=empire) on the deathstar's node, and on n1. */
    public LabNetwork.Pod localTiefighter() {
        return node().pod(1);
    }

    public LabNetwork.Pod remoteTiefighter() {
        return env.nodes().getFirst().pod(1);
    }

    /** The xwing (org=alliance) on the deathstar's node, and on n1. */
    public LabNetwork.Pod localXwing() {
        return node().pod(2);
    }

    public LabNetwork.Pod remoteXwing() {
        return env.nodes().getFirst().pod(2);
    }

    /**
     * Creates the deathstar through the CNI plugins, then starts its services, as a runtime starts the pod's process
     * once CNI ADD returned.
     */
    public CniPods.Wired create() throws Exception {
        CniPods.Wired w = env.addPod(node(), deathstar(), DEATHSTAR_LABELS);
        created = true;
        services.add(PodTcp.echoServer(deathstar(), HTTP));
        services.add(PodTcp.echoServer(deathstar(), OTHER_PORT));
        return w;
    }

    /** Whether the deathstar exists (scenario 7 made it). */
    public boolean created() {
        return created;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : services) c.close();
    }

    static String endpoint(LabNetwork.Pod p) {
        return "default/" + p.name();
    }
}
