package dev.ward.agent.l7;

import dev.ward.netlink.sys.LinuxSyscalls;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-socket inbound xfrm policy is one this kernel's xfrm takes, on the IPv6 sockets netty makes and on IPv4
 * ones (its effect, a turned-back ESP flow accepted at the proxy, is what lab scenarios 9-11 show across nodes).
 */
class XfrmSocketBypassTest {
    private static final int AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1;

    @Test
    void theKernelTakesThePolicyOnIpv6AndIpv4Sockets() {
        for (int family : new int[] {AF_INET6, AF_INET}) {
            int fd = LinuxSyscalls.socket(family, SOCK_STREAM, 0);
            try {
                assertTrue(XfrmSocketBypass.tryApply(fd), "family " + family);
            } finally {
                LinuxSyscalls.close(fd);
            }
        }
    }

    @Test
    void aDescriptorThatIsNoSocketIsRefusedNotIgnored() {
        assertFalse(XfrmSocketBypass.tryApply(-1));
    }
}
