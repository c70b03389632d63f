package dev.ward.pki;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class NodeIdentityTest {
    @Test
    void nodeIdIsTheWardNodePathInTheTrustDomain() {
        NodeIdentity id = NodeIdentity.of("cluster.test", "worker-1.zone-a");
        assertEquals("spiffe://cluster.test/ward/node/worker-1.zone-a", id.spiffeId().toString());
        assertEquals(id, NodeIdentity.fromUri("spiffe://cluster.test/ward/node/worker-1.zone-a"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "spiffe://cluster.test/ward/workload/x",
            "spiffe://cluster.test/ward/node/a/b",
            "spiffe://cluster.test/ward/node/",
            "spiffe://cluster.test/ward/node/UPPER",
            "spiffe://cluster.test/ward/node/-dash",
            "spiffe://cluster.test",
    })
    void anythingButExactlyOneValidNodeSegmentIsNotANode(String uri) {
        assertThrows(IllegalArgumentException.class, () -> NodeIdentity.fromUri(uri));
    }

    @Test
    void notASpiffeIdNamesTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> NodeIdentity.fromUri("https://example.com/ward/node/a"));
        assertTrue(e.getMessage().contains("https://example.com/ward/node/a"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "..", "A", "a_b", "a..b"})
    void invalidNodeNamesAreRefused(String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> NodeNames.require(name, "node name"));
        assertTrue(e.getMessage().startsWith("node name"), e.getMessage());
    }

    @Test
    void overlongNodeNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> NodeNames.require("a".repeat(254), "node name"));
        assertEquals("a".repeat(253), NodeNames.require("a".repeat(253), "node name"));
    }
}
