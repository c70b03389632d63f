package dev.ward.netlink.route;

import dev.ward.netlink.Errno;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetlinkChannel;
import dev.ward.netlink.NetlinkException;
import dev.ward.netlink.NetlinkFlags;
import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.NetlinkRequest;
import dev.ward.netlink.NetlinkSocket;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.sys.LinuxSyscalls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Links, addresses and routes of one network namespace over rtnetlink: what a lab or node needs to wire
 * namespaces together. Each method is one request; the kernel's refusal comes back as {@link NetlinkException}.
 */
public final class RouteNetlink implements AutoCloseable {
    private static final int CREATE_NEW = NetlinkFlags.CREATE | NetlinkFlags.EXCL;
    private final NetlinkChannel channel;

    private RouteNetlink(NetlinkChannel channel) {
        this.channel = channel;
    }

    /** Opens rtnetlink in the named namespace, or the caller's when {@code netns} is null. */
    public static RouteNetlink open(String netns) {
        return new RouteNetlink(new NetlinkChannel(NetlinkSocket.openIn(netns, NetlinkSocket.NETLINK_ROUTE, Duration.ofSeconds(10))));
    }

    public void createVethPair(String name, String peer) {
        channel.execute(new NetlinkRequest(RouteMessages.RTM_NEWLINK, CREATE_NEW,
                RouteMessages.newVethPair(name, peer), "veth pair " + name + "/" + peer));
    }

    public void createBridge(String name) {
        channel.execute(new NetlinkRequest(RouteMessages.RTM_NEWLINK, CREATE_NEW, RouteMessages.newBridge(name), "bridge " + name));
    }

    public void deleteLink(String name) {
        channel.execute(new NetlinkRequest(RouteMessages.RTM_DELLINK, 0, RouteMessages.linkByIndex(indexOf(name)), "link " + name));
    }

    public void setUp(String name, boolean up) {
        setLink(name, up, null, null, null, up ? "set link " + name + " up" : "set link " + name + " down");
    }

    public void setMtu(String name, int mtu) {
        setLink(name, null, mtu, null, null, "set link " + name + " mtu " + mtu);
    }

    public void setMaster(String name, String bridge) {
        setLink(name, null, null, indexOf(bridge), null, "set link " + name + " master " + bridge);
    }

    /** Moves a link into another named namespace; it disappears from this one. */
    public void moveToNamespace(String name, String netns) {
        int fd = NetworkNamespace.openFd(netns);
        try {
            setLink(name, null, null, null, fd, "move link " + name + " to netns " + netns);
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    private void setLink(String name, Boolean up, Integer mtu, Integer master, Integer nsFd, String subject) {
        channel.execute(new NetlinkRequest(RouteMessages.RTM_NEWLINK, 0,
                RouteMessages.setLink(indexOf(name), up, mtu, master, nsFd), subject));
    }

    public void addAddress(String link, IpPrefix address) {
        channel.execute(new NetlinkRequest(RouteMessages.RTM_NEWADDR, CREATE_NEW,
                RouteMessages.newAddress(indexOf(link), address), "address " + address + " on " + link));
    }

    public void addRoute(Route route) {
        channel.execute(new NetlinkRequest(RouteMessages.RTM_NEWROUTE, CREATE_NEW, RouteMessages.route(route), describe(route)));
    }

    public void deleteRoute(Route route) {
        channel.execute(new NetlinkRequest(RouteMessages.RTM_DELROUTE, 0, RouteMessages.route(route), describe(route)));
    }

    /** Adds a policy routing rule; one that exists already is left as it is. */
    public void addRule(FibRule rule) {
        try {
            channel.execute(new NetlinkRequest(RuleMessages.RTM_NEWRULE, CREATE_NEW, RuleMessages.rule(rule), describe(rule)));
        } catch (NetlinkException e) {
            if (e.errno() != Errno.EEXIST) throw e;
        }
    }

    public void deleteRule(FibRule rule) {
        channel.execute(new NetlinkRequest(RuleMessages.RTM_DELRULE, 0, RuleMessages.rule(rule), describe(rule)));
    }

    /** The rules of {@code family} that match a mark. */
    public List<FibRule> rules(int family) {
        List<FibRule> out = new ArrayList<>();
        for (NetlinkMessage m : channel.dump(new NetlinkRequest(RuleMessages.RTM_GETRULE, 0, RuleMessages.ruleDump(family), "rule dump"))) {
            FibRule r = RuleMessages.decodeRule(m);
            if (r != null) out.add(r);
        }
        return out;
    }

    /** Adds {@code local DST dev LINK table TABLE}; an existing one is left as it is. */
    public void addLocalRoute(IpPrefix destination, String link, int table) {
        try {
            channel.execute(new NetlinkRequest(RouteMessages.RTM_NEWROUTE, CREATE_NEW,
                    RuleMessages.localRoute(destination, indexOf(link), table), "local route " + destination + " table " + table));
        } catch (NetlinkException e) {
            if (e.errno() != Errno.EEXIST) throw e;
        }
    }

    private static String describe(FibRule r) {
        return "rule fwmark 0x" + Integer.toHexString(r.mark()) + "/0x" + Integer.toHexString(r.mask()) + " lookup " + r.table()
                + " pref " + r.priority();
    }

    public Link link(String name) {
        NetlinkMessage m = channel.query(new NetlinkRequest(RouteMessages.RTM_GETLINK, 0, RouteMessages.linkByName(name), "link " + name));
        return RouteMessages.decodeLink(m);
    }

    /** The link with ifindex {@code index}; {@link NetlinkException} (see {@link #isNoSuchLink}) if there is none. */
    public Link link(int index) {
        NetlinkMessage m = channel.query(new NetlinkRequest(RouteMessages.RTM_GETLINK, 0, RouteMessages.linkByIndex(index), "link " + index));
        return RouteMessages.decodeLink(m);
    }

    public int indexOf(String name) {
        return link(name).index();
    }

    public List<Link> links() {
        List<Link> out = new ArrayList<>();
        for (NetlinkMessage m : channel.dump(new NetlinkRequest(RouteMessages.RTM_GETLINK, 0,
                RouteMessages.dumpHeader(RouteMessages.IFINFOMSG_LEN), "link dump"))) {
            out.add(RouteMessages.decodeLink(m));
        }
        return out;
    }

    public List<LinkAddress> addresses() {
        List<LinkAddress> out = new ArrayList<>();
        for (NetlinkMessage m : channel.dump(new NetlinkRequest(RouteMessages.RTM_GETADDR, 0,
                RouteMessages.dumpHeader(RouteMessages.IFADDRMSG_LEN), "address dump"))) {
            out.add(RouteMessages.decodeAddress(m));
        }
        return out;
    }

    /** Unicast routes of both families in {@code table}. */
    public List<Route> routes(int table) {
        List<Route> out = new ArrayList<>();
        for (int family : new int[] {IpPrefix.AF_INET, IpPrefix.AF_INET6}) {
            for (NetlinkMessage m : channel.dump(new NetlinkRequest(RouteMessages.RTM_GETROUTE, 0,
                    RouteMessages.routeDump(family), "route dump"))) {
                Route r = RouteMessages.decodeRoute(m);
                if (r != null && r.table() == table) out.add(r);
            }
        }
        return out;
    }

    private static String describe(Route r) {
        return "route " + r.destination() + (r.gateway() == null ? "" : " via " + r.gateway().getHostAddress())
                + " table " + r.table();
    }

    /** True when {@code e} means the named link does not exist. */
    public static boolean isNoSuchLink(NetlinkException e) {
        return e.errno() == Errno.ENODEV || Objects.equals(e.kernelMessage(), "Cannot find device");
    }

    @Override
    public void close() {
        channel.close();
    }
}
