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
        // A namespace with IPv6 turned off on lo refuses IPv6 routes through it (EACCES), and has no IPv6 to redirect.
        boolean ipv6 = !"1".equals(inNamespace(netns, () -> {
            Path off = Path.of("/proc/sys/net/ipv6/conf/lo/disable_ipv6");
            return Files.exists(off) ? Files.readString(off).strip() : "1";
        }));
        try (RouteNetlink rt = RouteNetlink.open(netns)) {
            // The route delivers through lo, which a fresh namespace has down; the kernel refuses a route over it then.
            rt.setUp("lo", true);
            rt.addRule(new FibRule(IpPrefix.AF_INET, priority, MARK, MARK_MASK, table));
            rt.addLocalRoute(IpPrefix.parse("0.0.0.0/0"), "lo", table);
            if (ipv6) {
                rt.addRule(new FibRule(IpPrefix.AF_INET6, priority, MARK, MARK_MASK, table));
                rt.addLocalRoute(IpPrefix.parse("::/0"), "lo", table);
            }
        }
        Callable<Void> sysctls = () -> {
            Files.writeString(Path.of("/proc/sys/net/ipv4/tcp_early_demux"), "0");
            Files.writeString(Path.of("/proc/sys/net/ipv4/udp_early_demux"), "0");
            return null;
        };
        try {
            inNamespace(netns, sysctls);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot turn off early demux for proxy redirection: " + e.getMessage(), e);
        }
    }

    private static <T> T inNamespace(String netns, Callable<T> work) {
        try {
            return netns == null ? work.call() : NetworkNamespace.call(netns, work);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The mark a packet handed to the proxy on {@code port} carries. */
    public static int markFor(int port) {
        return MARK | (port << 16);
    }
}
