package dev.ward.netlink.route;

import dev.ward.netlink.Errno;
import dev.ward.testbed.IpCommand;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetlinkException;
import dev.ward.netlink.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real kernel, own namespaces: what Ward writes {@code ip} reads back, and what {@code ip} writes Ward reads. */
class RouteNetlinkTest {
    private static final String A = "wx-rt-a";
    private static final String B = "wx-rt-b";
    private RouteNetlink rt;

    @BeforeEach
    void namespaces() {
        NetworkNamespace.create(A);
        NetworkNamespace.create(B);
        rt = RouteNetlink.open(A);
    }

    @AfterEach
    void cleanup() {
        rt.close();
        for (String ns : List.of(A, B)) if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
    }

    @Test
    void vethBridgeMtuUpAndMasterReadBackThroughIp() {
        rt.createVethPair("wx-v0", "wx-v1");
        rt.createBridge("wx-br0");
        rt.setMtu("wx-v0", 1400);
        rt.setMaster("wx-v0", "wx-br0");
        rt.setUp("wx-br0", true);
        rt.setUp("wx-v0", true);

        String v0 = IpCommand.run("-n", A, "-d", "link", "show", "wx-v0");
        assertTrue(v0.contains("mtu 1400"), v0);
        assertTrue(v0.contains("master wx-br0"), v0);
        assertTrue(v0.contains("veth"), v0);
        assertTrue(v0.matches("(?s).*<[A-Z_,-]*\\bUP\\b[A-Z_,-]*>.*"), v0);
        assertTrue(IpCommand.run("-n", A, "-d", "link", "show", "wx-br0").contains("bridge"));

        Link link = rt.link("wx-v0");
        assertEquals(1400, link.mtu());
        assertTrue(link.up());
        assertEquals("veth", link.kind());
        assertEquals(rt.indexOf("wx-br0"), link.masterIndex());
        rt.setUp("wx-v0", false);
        assertFalse(rt.link("wx-v0").up());
        assertTrue(IpCommand.run("-n", A, "link", "show", "wx-v0").contains("state DOWN"));
    }

    @Test
    void linkMovedToAnotherNamespaceLeavesThisOne() {
        rt.createVethPair("wx-m0", "wx-m1");
        rt.moveToNamespace("wx-m1", B);
        assertFalse(rt.links().stream().anyMatch(l -> l.name().equals("wx-m1")));
        assertTrue(IpCommand.run("-n", B, "link", "show").contains("wx-m1"));
        try (RouteNetlink inB = RouteNetlink.open(B)) {
            assertEquals("veth", inB.link("wx-m1").kind());
        }
    }

    @Test
    void addressesAndRoutesWithTableAndGatewayReadBackBothWays() {
        rt.createVethPair("wx-a0", "wx-a1");
        rt.setUp("wx-a0", true);
        rt.setUp("wx-a1", true);
        rt.addAddress("wx-a0", IpPrefix.parse("10.77.0.1/24"));
        rt.addAddress("wx-a0", IpPrefix.parse("fd77::1/64"));
        int a0 = rt.indexOf("wx-a0");
        rt.addRoute(Route.via(IpPrefix.parse("10.78.0.0/16"), IpPrefix.address("10.77.0.2"), a0, 100));
        rt.addRoute(Route.onLink(IpPrefix.parse("10.79.1.0/24"), a0, Route.MAIN_TABLE));
        rt.addRoute(Route.via(IpPrefix.parse("fd78::/48"), IpPrefix.address("fd77::2"), a0, 1000));

        String addrs = IpCommand.run("-n", A, "addr", "show", "dev", "wx-a0");
        assertTrue(addrs.contains("inet 10.77.0.1/24"), addrs);
        assertTrue(addrs.contains("inet6 fd77::1/64"), addrs);
        assertEquals("10.78.0.0/16 via 10.77.0.2 dev wx-a0 proto static",
                IpCommand.run("-n", A, "route", "show", "table", "100").strip());
        assertTrue(IpCommand.run("-n", A, "route", "show").contains("10.79.1.0/24 dev wx-a0 proto static scope link"));
        assertTrue(IpCommand.run("-n", A, "-6", "route", "show", "table", "1000").contains("fd78::/48 via fd77::2 dev wx-a0 proto static"));

        // ip writes, Ward reads.
        IpCommand.run("-n", A, "addr", "add", "10.66.6.6/28", "dev", "wx-a1");
        IpCommand.run("-n", A, "route", "add", "10.99.0.0/16", "via", "10.66.6.1", "table", "7");
        List<LinkAddress> got = rt.addresses();
        assertTrue(got.contains(new LinkAddress(rt.indexOf("wx-a1"), IpPrefix.parse("10.66.6.6/28"))), got.toString());
        assertTrue(got.contains(new LinkAddress(a0, IpPrefix.parse("10.77.0.1/24"))), got.toString());
        assertEquals(List.of(Route.via(IpPrefix.parse("10.99.0.0/16"), IpPrefix.address("10.66.6.1"), rt.indexOf("wx-a1"), 7)),
                rt.routes(7));
        assertEquals(List.of(Route.via(IpPrefix.parse("10.78.0.0/16"), IpPrefix.address("10.77.0.2"), a0, 100)), rt.routes(100));
        assertEquals(List.of(Route.via(IpPrefix.parse("fd78::/48"), IpPrefix.address("fd77::2"), a0, 1000)), rt.routes(1000));

        rt.deleteRoute(Route.via(IpPrefix.parse("10.78.0.0/16"), IpPrefix.address("10.77.0.2"), a0, 100));
        assertEquals(List.of(), rt.routes(100));
    }

    @Test
    void refusalsNameTheObjectAndCarryTheErrno() {
        rt.createBridge("wx-dup");
        NetlinkException dup = assertThrows(NetlinkException.class, () -> rt.createBridge("wx-dup"));
        assertEquals(Errno.EEXIST, dup.errno());
        assertTrue(dup.getMessage().startsWith("bridge wx-dup: "), dup.getMessage());
        NetlinkException missing = assertThrows(NetlinkException.class, () -> rt.setMtu("wx-nope", 1300));
        assertEquals(Errno.ENODEV, missing.errno());
        assertTrue(missing.getMessage().startsWith("link wx-nope: "), missing.getMessage());
    }
}
