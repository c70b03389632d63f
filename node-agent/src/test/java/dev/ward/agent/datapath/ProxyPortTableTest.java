package dev.ward.agent.datapath;

import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ProxyPortTableTest {
    @Test
    void aTypeRedirectsToItsProxysPortOnlyWhileRegistered() {
        ProxyPortTable t = new ProxyPortTable();
        assertEquals(0, t.portFor("ep", Direction.EGRESS, "dns"), "no proxy: the datapath drops the redirect");
        t.register("dns", 10053);
        t.register("dns", 10053);
        assertEquals(10053, t.portFor("ep", Direction.EGRESS, "dns"));
        assertEquals(0, t.portFor("ep", Direction.INGRESS, "http"));
        var e = assertThrows(IllegalStateException.class, () -> t.register("dns", 10054));
        assertTrue(e.getMessage().contains("10053"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.register("http", 0));
        t.unregister("dns");
        assertEquals(0, t.portFor("ep", Direction.EGRESS, "dns"));
    }
}
