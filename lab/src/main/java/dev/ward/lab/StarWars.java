package dev.ward.lab;

import dev.ward.netlink.IpPrefix;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cast of the lab's policy scenarios, from Cilium's Star Wars demo: the deathstar ({@code org=empire,
 * class=deathstar}), a pod created on node n2 once rule1 is in the store, with an echo service on 80 and 8080; and
 * the tiefighters ({@code org=empire}) and xwings ({@code org=alliance}) the lab's pods already are, on its node and on
 * n1. As a {@link PolicyCluster} it is the lab as {@link StarWarsRule1Scenario} drives it: pods wired through the CNI
 * plugins, policies written to etcd, connections from the pods' namespaces, wardctl monitor on the node's socket.
 */
public final class StarWars implements PolicyCluster<LabNetwork.Node, LabNetwork.Pod>, AutoCloseable {
    public static final Map<String, String> DEATHSTAR_LABELS = Map.of("org", "empire", "class", "deathstar");
    public static final Map<String, String> TIEFIGHTER_LABELS = Map.of("org", "empire", "class", "tiefighter");
    public static final Map<String, String> XWING_LABELS = Map.of("org", "alliance", "class", "xwing");
    public static final int HTTP = 80, OTHER_PORT = 8080;
    /** The host part of the first pod created after the cluster is up (the nodes' own pods are .11 and .12). */
    private static final int FIRST_CREATED_HOST = 21;

    private final LabEnvironment env;
    private final List<AutoCloseable> services = new ArrayList<>();
    private final Map<String, LabNetwork.Pod> created = new LinkedHashMap<>();

    /** The cast of {@code env}'s cluster, once it is up. */
    public StarWars(LabEnvironment env) {
        this.env = env;
    }

    /** The deathstar's node (n2), whose agent enforces rule1 on it. */
    public LabNetwork.Node node() {
        return env.nodes().get(1);
    }

    /** The deathstar, once scenario 7 created it. */
    public LabNetwork.Pod deathstar() {
        LabNetwork.Pod ds = created.get("deathstar");
        if (ds == null) throw new IllegalStateException("there is no deathstar: scenario 7, which creates it, did not run");
        return ds;
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

    /** The lab's ships as rule1's scenario casts them: its pods on n2 and n1, and n3's xwing. */
    public StarWarsRule1Scenario.Cast<LabNetwork.Node, LabNetwork.Pod> cast() {
        return new StarWarsRule1Scenario.Cast<>(node(), localTiefighter(), remoteTiefighter(), localXwing(), remoteXwing(), env.nodes().getLast().pod(2));
    }

    /** Whether the deathstar exists (scenario 7 made it). */
    public boolean created() {
        return created.containsKey("deathstar");
    }

    @Override
    public String namespace() {
        return "default";
    }

    /**
     * Creates the pod through the CNI plugins, then starts its services, as a runtime starts the pod's process once
     * CNI ADD returned.
     */
    @Override
    public LabNetwork.Pod createPod(LabNetwork.Node node, String name, Map<String, String> labels, List<Integer> tcpEchoPorts) throws Exception {
        LabNetwork.Pod pod = new LabNetwork.Pod(name, node.netns() + "-" + name,
                IpPrefix.address("10.244." + node.index() + "." + (FIRST_CREATED_HOST + created.size())));
        env.addPod(node, pod, labels);
        created.put(name, pod);
        for (int port : tcpEchoPorts) services.add(PodTcp.echoServer(pod, port));
        return pod;
    }

    @Override
    public long apply(LabPolicies.Policy policy) throws Exception {
        return env.policies().put(policy);
    }

    @Override
    public long delete(LabPolicies.Policy policy) {
        return env.policies().delete(policy);
    }

    @Override
    public PodTcp.Attempt connect(LabNetwork.Pod from, LabNetwork.Pod to, int port, int timeoutMillis) {
        return PodTcp.attempt(from, to, port, timeoutMillis);
    }

    @Override
    public WardJvm.Outcome monitor(LabNetwork.Node node, List<String> args) throws Exception {
        List<String> all = new ArrayList<>(List.of("monitor", "--socket", env.cluster().apiSocket(node).toString()));
        all.addAll(args);
        return env.jvm().wardctl(all.toArray(String[]::new));
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : services) c.close();
    }

    static String endpoint(LabNetwork.Pod p) {
        return "default/" + p.name();
    }
}
