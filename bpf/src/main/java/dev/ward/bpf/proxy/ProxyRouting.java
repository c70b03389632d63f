package dev.ward.bpf.proxy;

import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.FibRule;
import dev.ward.netlink.route.RouteNetlink;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The routing that delivers redirected packets to the local proxy. The datapath assigns each such packet to
 * the proxy's socket and marks it ({@link #MARK} in bits 8-11, the proxy port above); a packet whose
 * destination is some other host would still be forwarded, so a rule sends marked packets to a table whose
 * only route makes every address local. Installed in the namespace the pods' veths live in, idempotently.
 *
 * <p>TCP and UDP early demux are turned off there: a pod-bound flow handed to the proxy leaves a socket with the
 * pod's address in the node, and early demux would bind the flow's next packets (arriving from the sender's
 * side, before any mark) to it, after which IP forwarding drops them instead of routing them to the pod's veth,
 * where the datapath turns them back to the proxy. The cost is one route lookup per locally delivered packet.
 */
public final class ProxyRouting {
    public static final int MARK = 0x0200;
    public static final int MARK_MASK = 0x0F00;
    /**
     * The SO_MARK an ingress proxy gives its upstream sockets: their packets have been judged against the pod's
     * ingress rules by the proxy, so the pod's program lets them in (and tracks them, so the pod's replies are
     * handed to the proxy's socket) instead of redirecting them again. An egress proxy's upstream needs none: it
     * meets the destination's ingress policy as the client pod would.
     */
    public static final int FROM_INGRESS_PROXY_MARK = 0x0A00;

    private ProxyRouting() {}

    public static void install(String netns, int table, int priority) {
        try (RouteNetlink rt = RouteNetlink.open(netns)) {
            for (int family : new int[] {IpPrefix.AF_INET, IpPrefix.AF_INET6}) {
                rt.addRule(new FibRule(family, priority, MARK, MARK_MASK, table));
            }
            rt.addLocalRoute(IpPrefix.parse("0.0.0.0/0"), "lo", table);
            rt.addLocalRoute(IpPrefix.parse("::/0"), "lo", table);
        }
        Callable<Void> sysctls = () -> {
            Files.writeString(Path.of("/proc/sys/net/ipv4/tcp_early_demux"), "0");
            Files.writeString(Path.of("/proc/sys/net/ipv4/udp_early_demux"), "0");
            return null;
        };
        try {
            if (netns == null) sysctls.call();
            else NetworkNamespace.call(netns, sysctls);
        } catch (Exception e) {
            throw new IllegalStateException("cannot turn off early demux for proxy redirection: " + e.getMessage(), e);
        }
    }

    /** The mark a packet handed to the proxy on {@code port} carries. */
    public static int markFor(int port) {
        return MARK | (port << 16);
    }
}
