package dev.ward.agent.l7;

import dev.ward.netlink.sys.LinuxSyscalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gives a proxy socket an inbound per-socket xfrm policy that allows (IP_XFRM_POLICY, action allow, no template),
 * as IKE daemons give theirs. A packet that came from another node's pod through ESP passed the node's forward
 * policy on its way to the pod; when the datapath then turns it back to the proxy, the redirect resets its
 * security path, and the node's inbound policy (ESP required from that node's pods) would refuse it at the socket.
 * Only such packets reach these sockets with pod addresses: plaintext from another node is refused by the forward
 * policy before it gets to a veth. Outbound, the node's policies still encrypt what the proxy sends.
 */
final class XfrmSocketBypass {
    private static final Logger LOG = LoggerFactory.getLogger(XfrmSocketBypass.class);
    private static final int IPPROTO_IP = 0;
    private static final int IP_XFRM_POLICY = 17;
    private static final int SOL_IPV6 = 41;
    private static final int IPV6_XFRM_POLICY = 35;
    private static final int AF_INET = 2;
    private static final int XFRM_POLICY_IN = 0;
    /** sizeof(struct xfrm_userpolicy_info) on 64-bit Linux: selector 56, lifetimes 64 + 32, then 12 bytes, padded to 8. */
    static final int USERPOLICY_INFO_SIZE = 168;
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private XfrmSocketBypass() {}

    /** The xfrm_userpolicy_info: any IPv4 flow, inbound, allowed; no byte or packet limits. */
    static MemorySegment policy(Arena arena) {
        MemorySegment p = arena.allocate(USERPOLICY_INFO_SIZE, 8);
        p.set(ValueLayout.JAVA_SHORT_UNALIGNED, 40, (short) AF_INET); // sel.family (prefix lengths 0: every address)
        for (int limit = 56; limit < 88; limit += 8) p.set(ValueLayout.JAVA_LONG_UNALIGNED, limit, -1L); // lft byte/packet limits
        p.set(ValueLayout.JAVA_BYTE, 160, (byte) XFRM_POLICY_IN); // dir; action 0 = allow
        return p;
    }

    /**
     * Applies it to {@code fd}, an IPv6 socket (netty's, taking IPv4 as mapped addresses) or an IPv4 one: the option
     * is the socket family's, the selector IPv4's, the family of the flows it passes. Where the kernel has no xfrm
     * (no IPsec to pass), says so once and carries on.
     */
    static void apply(int fd) {
        tryApply(fd);
    }

    /** As {@link #apply}; false (after the one warning) when the kernel refused the policy. */
    static boolean tryApply(int fd) {
        try (Arena a = Arena.ofConfined()) {
            try {
                LinuxSyscalls.setsockopt(fd, SOL_IPV6, IPV6_XFRM_POLICY, policy(a));
            } catch (RuntimeException notIpv6) {
                LinuxSyscalls.setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, policy(a));
            }
            return true;
        } catch (RuntimeException e) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.warn("the L7 proxy's sockets get no inbound xfrm bypass ({}): redirected flows from other nodes' pods through IPsec would be refused", e.getMessage());
            }
            return false;
        }
    }
}
