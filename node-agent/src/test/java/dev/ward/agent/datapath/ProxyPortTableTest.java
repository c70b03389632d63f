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

    @Test
    void aReservedPortIsInTheRowsBeforeItsProxyListensAndAfterItStops() {
        ProxyPortTable t = new ProxyPortTable();
        t.reserve("dns", 10053);
        assertEquals(10053, t.portFor("ep", Direction.EGRESS, "dns"), "from the first write: where the standby takes over");
        t.register("dns", 10053);
        assertThrows(IllegalStateException.class, () -> t.register("dns", 10060), "the proxy must listen where it was reserved");
        t.unregister("dns");
        assertEquals(10053, t.portFor("ep", Direction.EGRESS, "dns"), "its proxy stopped: the rows keep the reserved port");
    }

    @Test
    void aProxyWithOnePortPerDirectionGetsEachDirectionsFlows() {
        ProxyPortTable t = new ProxyPortTable();
        t.register("http", Direction.INGRESS, 15001);
        assertEquals(15001, t.portFor("ep", Direction.INGRESS, "http"));
        assertEquals(0, t.portFor("ep", Direction.EGRESS, "http"), "no egress listener yet: dropped");
        t.register("http", Direction.EGRESS, 15002);
        assertEquals(15002, t.portFor("ep", Direction.EGRESS, "http"));
        assertThrows(IllegalStateException.class, () -> t.register("http", Direction.INGRESS, 15003));
        assertThrows(IllegalStateException.class, () -> t.register("http", 15001), "one port for both would hide a direction");
        t.register("dns", 10053);
        assertThrows(IllegalStateException.class, () -> t.register("dns", Direction.INGRESS, 10053));
        assertEquals(java.util.Map.of("dns", 10053, "http ingress", 15001, "http egress", 15002), t.ports(),
                "what the node's datapath report (wardctl status) lists");
        t.unregister("http");
        assertEquals(java.util.Map.of("dns", 10053), t.ports());
        assertEquals(0, t.portFor("ep", Direction.INGRESS, "http"));
    }
}
