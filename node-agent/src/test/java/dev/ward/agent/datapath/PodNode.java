package dev.ward.agent.datapath;

import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.IpConfig;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.load.BpfFilesystem;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.Route;
import dev.ward.netlink.route.RouteNetlink;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A node as a network namespace that routes between its pods, each a namespace behind a veth pair as a CNI main
 * plugin wires it (pod i: 10.210.i.2/24, gateway .1 on the host side), and a private BPF filesystem for the agent's
 * pins. Names are unique to the run (other runs share this kernel); everything is removed on close.
 */
final class PodNode implements AutoCloseable {
    private final String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    private final String node = "wdn" + tag;
    private final List<Pod> pods = new ArrayList<>();
    private final Path bpffs;

    PodNode() throws IOException {
        bpffs = Files.createTempDirectory("ward-agent-bpffs-");
        BpfFilesystem.mount(bpffs);
        NetworkNamespace.create(node);
        NetworkNamespace.call(node, () -> Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), "1"));
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.setUp("lo", true);
        }
    }

    String netns() {
        return node;
    }

    /** Where the agent on this node pins (on the private bpffs). */
    Path pinRoot() {
        return bpffs.resolve("ward");
    }

    Pod pod(int i) {
        return pods.get(i - 1);
    }

    /** Wires pod {@code n+1}: its namespace, its veth pair, addresses and routes. */
    Pod addPod() {
        int i = pods.size() + 1;
        String ns = "wdp" + tag + i;
        NetworkNamespace.create(ns);
        String veth = "wdv" + tag + i;
        InetAddress ip = IpPrefix.address("10.210." + i + ".2");
        InetAddress gw = IpPrefix.address("10.210." + i + ".1");
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.createVethPair(veth, "eth0" + tag);
            rt.moveToNamespace("eth0" + tag, ns);
            rt.addAddress(veth, new IpPrefix(gw, 24));
            rt.setUp(veth, true);
        }
        try (RouteNetlink rt = RouteNetlink.open(ns)) {
            rt.setUp("lo", true);
            rt.addAddress("eth0" + tag, new IpPrefix(ip, 24));
            rt.setUp("eth0" + tag, true);
            rt.addRoute(Route.via(IpPrefix.parse("0.0.0.0/0"), gw, rt.indexOf("eth0" + tag), Route.MAIN_TABLE));
        }
        Pod p = new Pod(i, ns, veth, ip, null, gw);
        pods.add(p);
        return p;
    }

    int ifindex(Pod p) {
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            return rt.indexOf(p.veth());
        }
    }

    /** The CNI ADD the plugin would send for {@code p} as pod {@code default/NAME} with {@code labels}. */
    ApiRequest.AddEndpoint add(Pod p, String name, Map<String, String> labels) {
        return new ApiRequest.AddEndpoint("ctr-" + name, "eth0", NetworkNamespace.path(p.netns()).toString(), "default", name, labels,
                List.of(new IpConfig(p.ipv4().getHostAddress() + "/24", p.gateway4().getHostAddress())), p.veth(), ifindex(p), null);
    }

    /** The pod's veth disappears, as when its sandbox is torn down behind the agent's back. */
    void cut(Pod p) {
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.deleteLink(p.veth());
        }
    }

    @Override
    public void close() {
        for (Pod p : pods) quietly(() -> NetworkNamespace.delete(p.netns()), p.netns());
        quietly(() -> NetworkNamespace.delete(node), node);
        quietly(() -> BpfFilesystem.unmount(bpffs), bpffs.toString());
        try (Stream<Path> s = Files.walk(bpffs)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // an empty temp directory left behind harms nobody
        }
    }

    private static void quietly(Runnable r, String what) {
        try {
            r.run();
        } catch (RuntimeException e) {
            System.err.println("cleanup of " + what + ": " + e.getMessage());
        }
    }
}
