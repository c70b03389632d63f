package dev.ward.agent.l7;

import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.sys.LinuxSyscalls;
import dev.ward.testbed.IpCommand;
import dev.ward.xfrm.XfrmClient;
import org.junit.jupiter.api.Test;

import java.util.List;

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

    /**
     * The kernel's policy dump holds sockets' own policies too (directions 3 and 4); the encryption agent's reconciler
     * reads the dump, and refused the whole dataplane every round while the L7 proxy's sockets had theirs.
     */
    @Test
    void theNodesPolicyDatabaseAsReadLeavesTheSocketsPoliciesOut() {
        String ns = "wxb" + ProcessHandle.current().pid();
        NetworkNamespace.create(ns);
        int fd = NetworkNamespace.openIn(ns, () -> LinuxSyscalls.socket(AF_INET, SOCK_STREAM, 0));
        try {
            assertTrue(XfrmSocketBypass.tryApply(fd));
            String ip = IpCommand.run("netns", "exec", ns, "ip", "xfrm", "policy", "list");
            assertTrue(ip.contains("socket in"), "the kernel holds the socket's policy: " + ip);
            try (XfrmClient xfrm = XfrmClient.open(ns)) {
                assertEquals(List.of(), xfrm.policies(), "the database has no policy; the socket's is not one of it");
            }
        } finally {
            LinuxSyscalls.close(fd);
            NetworkNamespace.delete(ns);
        }
    }

    @Test
    void aDescriptorThatIsNoSocketIsRefusedNotIgnored() {
        assertFalse(XfrmSocketBypass.tryApply(-1));
    }
}
