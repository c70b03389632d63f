package dev.ward.lab;

import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.Route;
import dev.ward.netlink.route.RouteNetlink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's network, wired through Ward's rtnetlink API: an underlay bridge in the caller's namespace, and per
 * node a namespace with an uplink on the bridge (underlay address 192.168.77.N/24) and forwarding on. Its pods
 * (pod CIDR 10.244.N.0/24, pods .11 and .12, the node answering as .1) are named here and wired by {@link CniPods}
 * through the CNI plugins, as a container runtime wires them. Routes between nodes' pod CIDRs go over the underlay,
 * as a CNI's would.
 */
public final class LabNetwork implements AutoCloseable {
    public static final IpPrefix CLUSTER_CIDR = IpPrefix.parse("10.244.0.0/16");
    public static final int UNDERLAY_MTU = 1500;

    /** A pod: its namespace and address. */
    public record Pod(String name, String netns, InetAddress ip) implements ClusterPod {
        /** A pod a scenario adds on {@code node}: host {@code host} of the node's pod CIDR, its namespace named for it. */
        public static Pod on(Node node, String name, int host) {
            return new Pod(name, node.netns() + "-" + host, IpPrefix.address("10.244." + node.index() + "." + host));
        }

        @Override
        public String toString() {
            return name + " " + ip.getHostAddress();
        }
    }

    /** A node: its namespace, underlay address, pod CIDR and pods; {@code port} is its uplink's end on the bridge. */
    public record Node(int index, String name, String netns, String port, InetAddress underlayIp, IpPrefix podCidr, List<Pod> pods)
            implements ClusterNode<Pod> {
        public String uplink() {
            return port + "u";
        }

        @Override
        public String toString() {
            return name + " (" + netns + ", underlay " + underlayIp.getHostAddress() + ", pods " + podCidr + ")";
        }
    }

    private final String prefix;
    private final String bridge;
    private final int podMtu;
    private final List<Node> wired = new ArrayList<>();

    /**
     * @param prefix names the namespaces ({@code PREFIX-nN}, {@code PREFIX-nN-pJ}) and links; at most 9 characters
     *               so link names stay within the kernel's 15
     */
    public LabNetwork(String prefix, int podMtu) {
        this.prefix = requireValidPrefix(prefix);
        this.bridge = prefix + "-br";
        this.podMtu = podMtu;
    }

    /** Returns {@code prefix} if it can name the lab's namespaces and links, else says why not. */
    public static String requireValidPrefix(String prefix) {
        if (prefix.isEmpty() || prefix.length() > 9 || !prefix.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("lab prefix \"" + prefix + "\" must be 1 to 9 characters of a-z, 0-9 and -"
                    + " (it prefixes link names, which the kernel limits to 15)");
        }
        return prefix;
    }

    /** Node {@code index} (1..9) as the lab names and addresses it; nothing is created. */
    public Node node(int index) {
        if (index < 1 || index > 9) throw new IllegalArgumentException("node index " + index + " is outside 1..9");
        String netns = prefix + "-n" + index;
        List<Pod> pods = new ArrayList<>();
        for (int j = 1; j <= 2; j++) pods.add(new Pod("n" + index + "-p" + j, netns + "-p" + j, IpPrefix.address("10.244." + index + "." + (10 + j))));
        return new Node(index, "n" + index, netns, prefix + "-n" + index, IpPrefix.address("192.168.77." + index),
                IpPrefix.parse("10.244." + index + ".0/24"), List.copyOf(pods));
    }

    public int podMtu() {
        return podMtu;
    }

    public String bridge() {
        return bridge;
    }

    /** Creates the underlay bridge in the caller's namespace, removing a leftover of an earlier run first. */
    public void createUnderlay() {
        try (RouteNetlink root = RouteNetlink.open(null)) {
            if (root.links().stream().anyMatch(l -> l.name().equals(bridge))) root.deleteLink(bridge);
            root.createBridge(bridge);
            root.setUp(bridge, true);
        }
    }

    /** Creates node {@code n}'s namespace and uplink (no pods, no routes to other nodes). */
    public void wire(Node n) {
        for (Pod p : n.pods()) deleteQuietly(p.netns()); // an earlier run's
        if (NetworkNamespace.exists(n.netns())) NetworkNamespace.delete(n.netns());
        NetworkNamespace.create(n.netns());
        try (RouteNetlink root = RouteNetlink.open(null)) {
            if (root.links().stream().anyMatch(l -> l.name().equals(n.port()))) root.deleteLink(n.port());
            root.createVethPair(n.port(), n.uplink());
            root.moveToNamespace(n.uplink(), n.netns());
            root.setMaster(n.port(), bridge);
            root.setUp(n.port(), true);
        }
        try (RouteNetlink node = RouteNetlink.open(n.netns())) {
            node.setUp("lo", true);
            node.addAddress(n.uplink(), new IpPrefix(n.underlayIp(), 24));
            node.setMtu(n.uplink(), UNDERLAY_MTU);
            node.setUp(n.uplink(), true);
        }
        sysctl(n.netns(), "net/ipv4/ip_forward", "1");
        sysctl(n.netns(), "net/ipv6/conf/all/disable_ipv6", "1"); // keeps the capture to the traffic the lab sends
        wired.add(n);
    }

    /** The node answers its pods at .1 of its pod CIDR (ptp gives every pod's host-side veth that address). */
    public static InetAddress gateway(Node n) {
        return IpPrefix.address("10.244." + n.index() + ".1");
    }

    /** In {@code from}'s namespace: {@code to}'s pod CIDR is reached via {@code to}'s underlay address. */
    public void route(Node from, Node to) {
        try (RouteNetlink r = RouteNetlink.open(from.netns())) {
            r.addRoute(Route.via(to.podCidr(), to.underlayIp(), r.indexOf(from.uplink()), Route.MAIN_TABLE));
        }
    }

    static void sysctl(String netns, String key, String value) {
        Path file = Path.of("/proc/sys", key);
        if (!Files.exists(file)) return;
        NetworkNamespace.call(netns, () -> {
            try {
                Files.writeString(file, value);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot set " + key + "=" + value + " in " + netns, e);
            }
            return null;
        });
    }

    /** Removes every namespace and link the lab created. */
    @Override
    public void close() {
        for (Node n : wired) {
            for (Pod p : n.pods()) deleteQuietly(p.netns());
            deleteQuietly(n.netns());
        }
        try (RouteNetlink root = RouteNetlink.open(null)) {
            if (root.links().stream().anyMatch(l -> l.name().equals(bridge))) root.deleteLink(bridge);
        } catch (RuntimeException ignored) {
            // best effort on the way out: the guest's namespaces vanish with it anyway
        }
    }

    private static void deleteQuietly(String ns) {
        try {
            if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
        } catch (RuntimeException ignored) {
            // best effort, as above
        }
    }
}
