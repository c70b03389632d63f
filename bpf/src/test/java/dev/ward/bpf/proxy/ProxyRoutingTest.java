package dev.ward.bpf.proxy;

import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.IpCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The proxy routing in a node namespace whose IPv6 is turned off (the lab's nodes): IPv4's is installed, nothing refused. */
class ProxyRoutingTest {
    private final String ns = "wpr" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));

    @AfterEach
    void delete() {
        NetworkNamespace.delete(ns);
    }

    @Test
    void aNamespaceWithoutIpv6GetsTheIpv4RuleAndRouteOnly() {
        NetworkNamespace.create(ns);
        NetworkNamespace.call(ns, () -> {
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf/all/disable_ipv6"), "1");
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf/lo/disable_ipv6"), "1");
            return null;
        });
        ProxyRouting.install(ns, 2004, 9);
        ProxyRouting.install(ns, 2004, 9); // idempotent
        assertTrue(IpCommand.run("-n", ns, "rule", "show").contains("fwmark 0x200/0xf00 lookup 2004"));
        assertTrue(IpCommand.run("-n", ns, "route", "show", "table", "2004").contains("local default dev lo"));
        assertFalse(IpCommand.run("-n", ns, "-6", "rule", "show").contains("lookup 2004"));
    }

    @Test
    void aNamespaceWhoseLoopbackIsDownGetsItUpAndBothFamiliesRoutes() {
        NetworkNamespace.create(ns); // lo starts down
        ProxyRouting.install(ns, 2004, 9);
        assertTrue(IpCommand.run("-n", ns, "link", "show", "lo").contains("UP"), "lo is up");
        assertTrue(IpCommand.run("-n", ns, "-6", "route", "show", "table", "2004").contains("local default dev lo"));
        assertTrue(IpCommand.run("-n", ns, "route", "show", "table", "2004").contains("local default dev lo"));
    }
}
