package dev.ward.cni;

import dev.ward.netlink.NetlinkException;
import dev.ward.netlink.route.Link;
import dev.ward.netlink.route.RouteNetlink;

import java.util.ArrayList;
import java.util.List;

/**
 * The pod's veth on the host, among the host-side interfaces the main plugin reported (ptp reports the veth; bridge
 * the bridge and the veth): the one that is a veth in the plugin's network namespace, which is the node's.
 */
final class HostVeth {
    record Found(String name, int ifindex) {}

    private HostVeth() {}

    static Found find(MainPluginResult result, String who) throws CniError {
        List<MainPluginResult.Interface> host = result.hostInterfaces();
        if (host.isEmpty()) {
            throw new CniError(CniError.NO_HOST_VETH, "ward: " + who + ": prevResult lists no host-side interface; chain ward after a plugin"
                    + " that makes a veth pair (ptp, bridge)");
        }
        List<Found> veths = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        try (RouteNetlink rt = RouteNetlink.open(null)) {
            for (MainPluginResult.Interface f : host) {
                try {
                    Link l = rt.link(f.name());
                    seen.add(f.name() + " (" + (l.kind() == null ? "device" : l.kind()) + ")");
                    if ("veth".equals(l.kind())) veths.add(new Found(l.name(), l.index()));
                } catch (NetlinkException e) {
                    if (!RouteNetlink.isNoSuchLink(e)) throw e;
                    seen.add(f.name() + " (missing)");
                }
            }
        } catch (NetlinkException e) {
            throw new CniError(CniError.IO_FAILURE, "ward: " + who + ": cannot read the node's links: " + e.getMessage());
        }
        if (veths.size() == 1) return veths.getFirst();
        if (veths.isEmpty()) {
            throw new CniError(CniError.NO_HOST_VETH, "ward: " + who + ": none of the host-side interfaces of prevResult is a veth of this node: " + seen);
        }
        throw new CniError(CniError.NO_HOST_VETH, "ward: " + who + ": prevResult lists several host-side veths, cannot tell which is the pod's: " + seen);
    }
}
