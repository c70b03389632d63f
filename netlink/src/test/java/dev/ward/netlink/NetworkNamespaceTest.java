package dev.ward.netlink;

import dev.ward.testbed.IpCommand;

import dev.ward.netlink.route.Link;
import dev.ward.netlink.route.RouteNetlink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real kernel: named namespaces as iproute2 sees them, and sockets opened inside them. */
class NetworkNamespaceTest {
    private static final String NS = "wx-nstest";

    @AfterEach
    void cleanup() {
        if (NetworkNamespace.exists(NS)) NetworkNamespace.delete(NS);
    }

    @Test
    void createdNamespaceIsVisibleToIpAndHoldsOnlyLoopback() {
        NetworkNamespace.create(NS);
        assertTrue(IpCommand.run("netns", "list").contains(NS));
        try (RouteNetlink rt = RouteNetlink.open(NS)) {
            List<Link> links = rt.links();
            assertEquals(List.of("lo"), links.stream().map(Link::name).toList());
        }
        NetworkNamespace.delete(NS);
        assertFalse(IpCommand.run("netns", "list").contains(NS));
    }

    @Test
    void socketStaysInItsNamespaceAndTheThreadComesBack() {
        NetworkNamespace.create(NS);
        String before = IpCommand.run("link", "show");
        try (RouteNetlink inside = RouteNetlink.open(NS)) {
            inside.createBridge("wx-br-ns");
        }
        assertTrue(IpCommand.run("-n", NS, "link", "show").contains("wx-br-ns"));
        assertFalse(IpCommand.run("link", "show").contains("wx-br-ns"), "the calling thread must be back home");
        assertEquals(before.lines().count(), IpCommand.run("link", "show").lines().count());
    }

    @Test
    void codeRunsInsideTheNamespace() throws Exception {
        NetworkNamespace.create(NS);
        String inode = NetworkNamespace.call(NS, () -> java.nio.file.Files.readSymbolicLink(
                java.nio.file.Path.of("/proc/thread-self/ns/net")).toString());
        String expected = IpCommand.run("netns", "identify", String.valueOf(ProcessHandle.current().pid()));
        assertFalse(expected.contains(NS), "the test JVM itself must not be inside " + NS);
        String nsInode = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/net")).toString();
        assertFalse(inode.equals(nsInode), "work ran in " + inode + ", same as the process's " + nsInode);
    }

    @Test
    void missingNamespaceIsNamed() {
        NoSuchNetworkNamespaceException e = assertThrows(NoSuchNetworkNamespaceException.class,
                () -> RouteNetlink.open("wx-does-not-exist"));
        assertEquals("network namespace wx-does-not-exist does not exist (no /run/netns/wx-does-not-exist)", e.getMessage());
    }

    @Test
    void duplicateNamespaceIsRefused() {
        NetworkNamespace.create(NS);
        assertThrows(RuntimeException.class, () -> NetworkNamespace.create(NS));
        assertTrue(NetworkNamespace.exists(NS), "the existing namespace is untouched");
    }
}
