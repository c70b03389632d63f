package dev.ward.bpf.datapath;

import dev.ward.bpf.sys.Libbpf;
import dev.ward.netlink.NetlinkException;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.Link;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.policy.model.Direction;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The clsact hooks of veths in one network namespace: the pod's egress is the veth's tc ingress, the pod's
 * ingress its tc egress. Ward's filter has its own handle and priority, and attaching replaces it atomically,
 * so a newer program takes over with no packet unfiltered.
 */
final class TcHooks implements AutoCloseable {
    static final int HANDLE = 0x5744;
    static final int PRIORITY = 1;

    private final String netns;
    private RouteNetlink rtnl;

    TcHooks(String netns) {
        this.netns = netns;
    }

    /** One rtnetlink socket in the namespace for the datapath's life: link checks run on every apply. */
    private RouteNetlink rtnl() {
        if (rtnl == null) rtnl = RouteNetlink.open(netns);
        return rtnl;
    }

    static int attachPoint(Direction d) {
        return d == Direction.EGRESS ? Libbpf.BPF_TC_INGRESS : Libbpf.BPF_TC_EGRESS;
    }

    void attach(int ifindex, Direction d, int progFd) {
        inNetns(() -> {
            Libbpf.createClsact(ifindex);
            Libbpf.tcAttach(ifindex, attachPoint(d), progFd, HANDLE, PRIORITY);
            return null;
        });
    }

    /** Removes Ward's filter; quiet when it (or the whole veth) is already gone. */
    void detach(int ifindex, Direction d) {
        inNetns(() -> Libbpf.tcDetach(ifindex, attachPoint(d), HANDLE, PRIORITY));
    }

    /** The id of the program in Ward's filter slot, 0 if none. */
    int attachedProgramId(int ifindex, Direction d) {
        return inNetns(() -> Libbpf.tcQuery(ifindex, attachPoint(d), HANDLE, PRIORITY));
    }

    /** The ifindex of {@code veth}, or -1 if the namespace has no such link. */
    int ifindexOf(String veth) {
        try {
            return rtnl().indexOf(veth);
        } catch (NetlinkException e) {
            if (RouteNetlink.isNoSuchLink(e)) return -1;
            throw e;
        }
    }

    /** The name of link {@code ifindex}, or null if there is none. */
    String linkName(int ifindex) {
        try {
            return rtnl().link(ifindex).name();
        } catch (NetlinkException e) {
            if (RouteNetlink.isNoSuchLink(e)) return null;
            throw e;
        }
    }

    /** Every link of the namespace by ifindex, with its name: one dump to check many endpoints at once. */
    Map<Integer, String> links() {
        Map<Integer, String> out = new HashMap<>();
        for (Link l : rtnl().links()) out.put(l.index(), l.name());
        return out;
    }

    @Override
    public void close() {
        if (rtnl != null) rtnl.close();
        rtnl = null;
    }

    <T> T inNetns(Callable<T> work) {
        try {
            return netns == null ? work.call() : NetworkNamespace.call(netns, work);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
