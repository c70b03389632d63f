package dev.ward.lab;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabNetworkTest {
    @Test
    void namesAndAddressesFollowTheNodeIndex() {
        LabNetwork.Node n = new LabNetwork("l4t", 1438).node(2);
        assertEquals("n2 (l4t-n2, underlay 192.168.77.2, pods 10.244.2.0/24)", n.toString());
        assertEquals("[n2-p1 10.244.2.11, n2-p2 10.244.2.12]", n.pods().toString());
        assertEquals("l4t-n2-p2", n.pod(2).netns());
        assertEquals("l4t-n2u", n.uplink());
    }

    @Test
    void refusesPrefixesThatWouldOverflowLinkNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LabNetwork("much-too-long", 1438));
        assertTrue(e.getMessage().contains("1 to 9 characters"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LabNetwork("l4", 1438).node(10));
    }
}
