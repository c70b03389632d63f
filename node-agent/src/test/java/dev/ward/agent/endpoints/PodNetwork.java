package dev.ward.agent.endpoints;

import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.RouteNetlink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A node's network namespace and pods wired into it as a CNI main plugin would: a named namespace per pod, a veth
 * pair with its host side in the node's namespace. Names are unique per run (other test runs share this kernel).
 */
final class PodNetwork implements AutoCloseable {
    record Pod(String netns, String veth, int ifindex, IpPrefix address) {
        String netnsPath() {
            return NetworkNamespace.path(netns).toString();
        }
    }

    private final String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    private final String node = "wn" + tag;
    private final List<String> namespaces = new ArrayList<>();
    private int pods;

    PodNetwork() {
        NetworkNamespace.create(node);
        namespaces.add(node);
    }

    String nodeNetns() {
        return node;
    }

    Pod pod(String address) {
        int n = ++pods;
        String ns = "wp" + tag + n;
        NetworkNamespace.create(ns);
        namespaces.add(ns);
        String veth = "wv" + tag + n;
        String peer = "wc" + tag + n;
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.createVethPair(veth, peer);
            rt.moveToNamespace(peer, ns);
            rt.setUp(veth, true);
            return new Pod(ns, veth, rt.indexOf(veth), IpPrefix.parse(address));
        }
    }

    /** The pod's veth disappears, as when its namespace is torn down behind the agent's back. */
    void cut(Pod p) {
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.deleteLink(p.veth());
        }
    }

    @Override
    public void close() {
        for (String ns : namespaces.reversed()) {
            try {
                if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }
}
