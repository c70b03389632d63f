package dev.ward.bpf.lab;

import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.DatapathConfig;
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
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A node as a network namespace that routes between pods, each pod a namespace behind a veth pair
 * (pod i: 10.200.i.2/24 and fd00:200:i::2/64, gateway .1 on the host side), a private BPF filesystem, and the
 * datapath opened in the node namespace. Everything is named for this run and removed on close.
 */
public final class PodLab implements AutoCloseable {
    private final String node;
    private final List<Pod> pods = new ArrayList<>();
    private final Path bpffs;
    private Datapath datapath;

    private PodLab(String node, Path bpffs) {
        this.node = node;
        this.bpffs = bpffs;
    }

    public static PodLab create(int podCount) {
        return create(podCount, c -> c);
    }

    public static PodLab create(int podCount, UnaryOperator<DatapathConfig> config) {
        String base = TestNames.next();
        Path bpffs;
        try {
            bpffs = Files.createTempDirectory("ward-bpffs-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        PodLab lab = new PodLab(base + "-node", bpffs);
        try {
            BpfFilesystem.mount(bpffs);
            NetworkNamespace.create(lab.node);
            sysctl(lab.node, "net/ipv4/ip_forward", "1");
            sysctl(lab.node, "net/ipv6/conf/all/forwarding", "1");
            sysctl(lab.node, "net/ipv6/conf/default/accept_dad", "0");
            try (RouteNetlink rt = RouteNetlink.open(lab.node)) {
                rt.setUp("lo", true);
            }
            for (int i = 1; i <= podCount; i++) lab.pods.add(lab.addPod(base, i));
            lab.datapath = Datapath.open(config.apply(lab.config()));
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** The datapath's configuration in this lab (pins under the private bpffs, veths in the node namespace). */
    public DatapathConfig config() {
        return DatapathConfig.at(bpffs.resolve("ward")).inNetns(node);
    }

    private Pod addPod(String base, int i) {
        String ns = base + "-p" + i;
        NetworkNamespace.create(ns);
        sysctl(ns, "net/ipv6/conf/all/accept_dad", "0");
        sysctl(ns, "net/ipv6/conf/default/accept_dad", "0");
        String veth = "lxc" + i;
        String peer = "pod" + i;
        InetAddress v4 = IpPrefix.address("10.200." + i + ".2");
        InetAddress v6 = IpPrefix.address("fd00:200:" + i + "::2");
        InetAddress gw4 = IpPrefix.address("10.200." + i + ".1");
        InetAddress gw6 = IpPrefix.address("fd00:200:" + i + "::1");
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.createVethPair(veth, peer);
            rt.moveToNamespace(peer, ns);
            rt.addAddress(veth, new IpPrefix(gw4, 24));
            rt.addAddress(veth, new IpPrefix(gw6, 64));
            rt.setUp(veth, true);
        }
        try (RouteNetlink rt = RouteNetlink.open(ns)) {
            rt.setUp("lo", true);
            rt.addAddress(peer, new IpPrefix(v4, 24));
            rt.addAddress(peer, new IpPrefix(v6, 64));
            rt.setUp(peer, true);
            int idx = rt.indexOf(peer);
            rt.addRoute(Route.via(IpPrefix.parse("0.0.0.0/0"), gw4, idx, Route.MAIN_TABLE));
            rt.addRoute(Route.via(IpPrefix.parse("::/0"), gw6, idx, Route.MAIN_TABLE));
        }
        return new Pod(i, ns, veth, v4, v6, gw4);
    }

    /** Writes a sysctl of namespace {@code ns} ({@code /proc/sys/net} is per namespace of the writing thread). */
    public static void sysctl(String ns, String key, String value) {
        NetworkNamespace.call(ns, () -> Files.writeString(Path.of("/proc/sys", key), value));
    }

    public String node() {
        return node;
    }

    public Pod pod(int i) {
        return pods.get(i - 1);
    }

    public List<Pod> pods() {
        return List.copyOf(pods);
    }

    public Datapath datapath() {
        return datapath;
    }

    public Path bpffs() {
        return bpffs;
    }

    /** Closes this lab's datapath handles and opens the pins again, as a restarted agent would. */
    public Datapath reopen(UnaryOperator<DatapathConfig> config) {
        datapath.close();
        datapath = Datapath.open(config.apply(config()));
        return datapath;
    }

    /** Closes the datapath handle without opening another (a crashed agent). */
    public void closeDatapath() {
        if (datapath != null) datapath.close();
        datapath = null;
    }

    public void adopt(Datapath dp) {
        this.datapath = dp;
    }

    @Override
    public void close() {
        if (datapath != null) {
            try {
                datapath.close();
            } catch (RuntimeException ignored) {
                // the namespaces and pins still go
            }
        }
        for (Pod p : pods) if (NetworkNamespace.exists(p.netns())) NetworkNamespace.delete(p.netns());
        if (NetworkNamespace.exists(node)) NetworkNamespace.delete(node);
        if (BpfFilesystem.isBpffs(bpffs)) BpfFilesystem.unmount(bpffs);
        try (Stream<Path> s = Files.walk(bpffs)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover empty temp directory harms nobody
        }
    }
}
