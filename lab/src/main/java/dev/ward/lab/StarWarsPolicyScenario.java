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

import static dev.ward.lab.PodTcp.Attempt.CONNECTED;
import static dev.ward.lab.PodTcp.Attempt.DROPPED;

/**
 * Scenario 7: rule1 of Cilium's Star Wars demo, as printed, in the store; the deathstar created after it is
 * enforced from its first packet; across nodes (through ESP) and on one node the empire's ships reach it on 80/TCP and
 * nothing else does, each drop counted by the deathstar's datapath under its reason; {@code wardctl endpoint list}
 * and {@code wardctl policy get --endpoint} show what the kernel's maps hold.
 */
public final class StarWarsPolicyScenario {
    private StarWarsPolicyScenario() {}

    public static void run(ScenarioRun s, LabEnvironment env, StarWars sw) throws Exception {
        LabCluster cluster = env.cluster();
        long written = env.policies().put(LabPolicies.RULE1);
        s.note("rule1 (" + LabPolicies.RULE1.file() + ", as Cilium's docs print it) written to the store, CiliumNetworkPolicy/default/rule1");
        DatapathStatus before = status(cluster, sw.node());

        CniPods.Wired w = sw.create();
        s.note("CNI ADD " + sw.deathstar() + " " + StarWars.DEATHSTAR_LABELS + " on " + sw.node().name() + ": ready in " + w.millis()
                + " ms (" + EncryptedCluster.millisSince(written) + " ms after rule1 reached etcd); its echo service starts only now");
        long espBefore = espInto(env, sw.node());
        PodTcp.Attempt firstDenied = PodTcp.attempt(sw.localXwing(), sw.deathstar(), StarWars.HTTP, 1500);
        s.check(firstDenied == DROPPED, "first packet: " + sw.localXwing().name() + " (org=alliance, same node) -> deathstar:80 " + firstDenied);
        PodTcp.Attempt firstAllowed = PodTcp.attempt(sw.remoteTiefighter(), sw.deathstar(), StarWars.HTTP, 3000);
        s.check(firstAllowed == CONNECTED, "first packet: " + sw.remoteTiefighter().name() + " (org=empire, across nodes) -> deathstar:80 " + firstAllowed);

        int denials = 0, crossNode = 1;
        record Flow(LabNetwork.Pod from, int port, PodTcp.Attempt expected, String why) {}
        for (Flow f : List.of(
                new Flow(sw.localTiefighter(), StarWars.HTTP, CONNECTED, "org=empire, same node"),
                new Flow(sw.remoteTiefighter(), StarWars.HTTP, CONNECTED, "org=empire, across nodes"),
                new Flow(sw.localXwing(), StarWars.HTTP, DROPPED, "org=alliance, same node"),
                new Flow(sw.remoteXwing(), StarWars.HTTP, DROPPED, "org=alliance, across nodes"),
                new Flow(env.nodes().getLast().pod(2), StarWars.HTTP, DROPPED, "org=alliance, from n3"),
                new Flow(sw.remoteTiefighter(), StarWars.OTHER_PORT, DROPPED, "org=empire, but rule1 allows 80 only"),
                new Flow(sw.localTiefighter(), StarWars.OTHER_PORT, DROPPED, "org=empire, same node, 8080"))) {
            PodTcp.Attempt got = PodTcp.attempt(f.from(), sw.deathstar(), f.port(), f.expected() == DROPPED ? 1500 : 3000);
            if (f.expected() == DROPPED) denials++;
            if (!sw.node().pods().contains(f.from())) crossNode++;
            s.check(got == f.expected(), f.from().name() + " (" + f.why() + ") -> deathstar:" + f.port() + " " + got);
        }
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
        s.check(dropped >= denials + 1, sw.node().name() + "'s datapath counted " + dropped + " ingress packets dropped for reason"
                + " policy-default-deny (no rule allows them) for the " + (denials + 1) + " denied connections (their SYNs and retries); forwarded "
                + (after.packets("ingress", "forwarded") - before.packets("ingress", "forwarded")) + " (agent API datapath-status)");

        WardJvm.Outcome list = env.jvm().wardctl(Duration.ofSeconds(120), "endpoint", "list", "--socket", cluster.apiSocket(sw.node()).toString());
        s.note("wardctl endpoint list --socket " + cluster.apiSocket(sw.node()) + " (exit " + list.exitCode() + "):");
        list.output().lines().forEach(l -> s.note("  " + l));
        s.check(list.output().lines().anyMatch(l -> l.startsWith("default/deathstar") && l.contains(" ready ") && l.contains("ingress:enforced egress:open")),
                "endpoint list shows the deathstar ready, its ingress enforced in the kernel's endpoints map");
        WardJvm.Outcome get = env.jvm().wardctl(Duration.ofSeconds(120), "policy", "get", "--endpoint", "default/deathstar", "--socket",
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
