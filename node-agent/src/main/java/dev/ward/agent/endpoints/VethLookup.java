package dev.ward.agent.endpoints;

import dev.ward.netlink.NetlinkException;
import dev.ward.netlink.route.Link;
import dev.ward.netlink.route.RouteNetlink;

import java.util.Optional;

/**
 * Finds a pod's host-side veth in the node's network namespace over rtnetlink: the CNI plugin names it and says
 * which ifindex it saw, and the agent checks both before it programs anything on it.
 */
public final class VethLookup {
    private final String netns;

    /** @param netns the node's named network namespace, or null for the agent's own */
    public VethLookup(String netns) {
        this.netns = netns;
    }

    public String describeNamespace() {
        return netns == null ? "the agent's network namespace" : "network namespace " + netns;
    }

    /** The link named {@code name}, if the node has one. */
    public Optional<Link> find(String name) {
        try (RouteNetlink rt = RouteNetlink.open(netns)) {
            return Optional.of(rt.link(name));
        } catch (NetlinkException e) {
            if (RouteNetlink.isNoSuchLink(e)) return Optional.empty();
            throw e;
        }
    }

    /** Null when {@code name} is a veth with {@code ifindex} in the node's namespace; otherwise what is wrong. */
    public String problem(String name, int ifindex) {
        Optional<Link> l = find(name);
        if (l.isEmpty()) return "no link " + name + " in " + describeNamespace();
        if (!"veth".equals(l.get().kind())) return name + " in " + describeNamespace() + " is a " + (l.get().kind() == null ? "device" : l.get().kind()) + ", not a veth";
        if (l.get().index() != ifindex) {
            return "veth " + name + " has ifindex " + l.get().index() + " in " + describeNamespace() + ", not " + ifindex
                    + " (the plugin and the agent see different network namespaces, or the veth was replaced)";
        }
        return null;
    }
}
