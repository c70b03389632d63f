package dev.ward.lab;

import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.DatapathStatus;
import dev.ward.agentapi.EndpointPolicy;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.bpf.maps.IpCacheValue;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.netlink.IpPrefix;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 7: rule1 of Cilium's Star Wars demo, as printed, in the store; the deathstar created after it is
 * enforced from its first packet; across nodes (through ESP) and on one node the empire's ships reach it on 80/TCP and
 * nothing else does, and {@code wardctl monitor} shows each verdict with its reason ({@link StarWarsRule1Scenario},
 * shared with the kind suite). Then what only the lab can see: the pinned ipcache, the ESP SAs that carried the
 * cross-node connections, each drop counted by the deathstar's datapath under its reason, and {@code wardctl endpoint
 * list} and {@code wardctl policy get --endpoint} showing what the kernel's maps hold.
 */
public final class StarWarsPolicyScenario {
    private StarWarsPolicyScenario() {}

    public static void run(ScenarioRun s, LabEnvironment env, StarWars sw) throws Exception {
        LabCluster cluster = env.cluster();
        DatapathStatus before = status(cluster, sw.node());
        long espBefore = espInto(env, sw.node());
        StarWarsRule1Scenario.Outcome<LabNetwork.Pod> rule1 = StarWarsRule1Scenario.check(s, sw, sw.cast());
        int denied = rule1.deniedAttempts(), crossNode = rule1.crossNodeAttempts();
        for (LabNetwork.Pod remote : List.of(sw.remoteTiefighter(), sw.remoteXwing())) {
            int published = identity(cluster, env.nodes().getFirst(), remote), held = ipcacheIdentity(cluster, sw.node(), remote);
            s.check(held == published, sw.node().name() + "'s pinned ipcache maps " + remote.name() + " (" + remote.ip().getHostAddress()
                    + ", on " + env.nodes().getFirst().name() + ") to identity " + held + ", the one its own agent allocated: " + published);
        }
        long esp = espInto(env, sw.node()) - espBefore;
        s.check(esp >= crossNode, "the " + crossNode + " cross-node connections came through the ESP tunnel: " + sw.node().name()
                + "'s SAs from the other nodes decrypted " + esp + " packets meanwhile, and the deathstar's node told their senders"
                + " apart by the identity its cluster ipcache holds for their pod addresses");
        DatapathStatus after = status(cluster, sw.node());
        long dropped = after.packets("ingress", "policy-default-deny") - before.packets("ingress", "policy-default-deny");
        s.check(dropped >= denied, sw.node().name() + "'s datapath counted " + dropped + " ingress packets dropped for reason"
                + " policy-default-deny (no rule allows them) for the " + denied + " denied connections (their SYNs and retries); forwarded "
                + (after.packets("ingress", "forwarded") - before.packets("ingress", "forwarded")) + " (agent API datapath-status)");

        WardJvm.Outcome list = env.jvm().wardctl("endpoint", "list", "--socket", cluster.apiSocket(sw.node()).toString());
        s.note("wardctl endpoint list --socket " + cluster.apiSocket(sw.node()) + " (exit " + list.exitCode() + "):");
        list.output().lines().forEach(l -> s.note("  " + l));
        s.check(list.output().lines().anyMatch(l -> l.startsWith("default/deathstar") && l.contains(" ready ") && l.contains("ingress:enforced egress:open")),
                "endpoint list shows the deathstar ready, its ingress enforced in the kernel's endpoints map");
        WardJvm.Outcome get = env.jvm().wardctl("policy", "get", "--endpoint", "default/deathstar", "--socket",
                cluster.apiSocket(sw.node()).toString());
        s.note("wardctl policy get --endpoint default/deathstar (exit " + get.exitCode() + "):");
        get.output().lines().forEach(l -> s.note("  " + l));
        s.check(get.output().lines().anyMatch(l -> l.startsWith("ingress") && l.contains("k8s:class=tiefighter") && l.contains(" 80 ")
                        && l.contains("allow") && l.contains("rule1") && l.trim().endsWith("held"))
                        && get.output().contains("the kernel holds exactly the agent's table"),
                "policy get reads rule1's allow for the tiefighters' identity on 80/TCP back from the deathstar's policy map");
    }

    /** Packets {@code node}'s inbound SAs decrypted so far, from every other node. */
    private static long espInto(LabEnvironment env, LabNetwork.Node node) {
        KernelSas sas = KernelSas.of(node);
        return env.nodes().stream().filter(n -> n != node).mapToLong(n -> sas.packetsTo(n.underlayIp(), node.underlayIp())).sum();
    }

    /** The identity {@code node}'s agent gives its pod {@code pod}, from its endpoint list. */
    private static int identity(LabCluster cluster, LabNetwork.Node node, LabNetwork.Pod pod) throws Exception {
        return ((ApiResponse.Ok) cluster.ask(node, new ApiRequest.ListEndpoints())).endpoints().stream()
                .filter(e -> e.name().equals(StarWars.endpoint(pod))).findFirst().orElseThrow().identity();
    }

    /** The identity {@code node}'s kernel ipcache (its pinned LPM trie) holds for {@code pod}'s address; 0 if none. */
    private static int ipcacheIdentity(LabCluster cluster, LabNetwork.Node node, LabNetwork.Pod pod) {
        Path pin = cluster.pinRoot(node).resolve("ward_ipcache");
        try (BpfMap m = BpfMap.owned(Libbpf.getPinned(pin.toString()), "ward_ipcache", IpCacheKey.SIZE, IpCacheValue.SIZE)) {
            byte[] v = m.lookup(IpCacheKey.encode(IpPrefix.host(pod.ip())));
            return v == null ? 0 : IpCacheValue.decodeIdentity(v);
        }
    }

    static DatapathStatus status(LabCluster cluster, LabNetwork.Node node) throws Exception {
        return ((ApiResponse.Datapath) cluster.ask(node, new ApiRequest.GetDatapathStatus())).datapath();
    }

    static EndpointPolicy policy(LabCluster cluster, LabNetwork.Node node, LabNetwork.Pod pod) throws Exception {
        return ((ApiResponse.Policy) cluster.ask(node, new ApiRequest.GetPolicy(StarWars.endpoint(pod)))).policy();
    }
}
