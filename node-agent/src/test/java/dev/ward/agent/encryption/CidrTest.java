package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CidrTest {
    @Test
    void parsesBothFamiliesAndRejectsHostBitsAndNames() {
        assertEquals("10.244.1.0/24", Cidr.parse("10.244.1.0/24").toString());
        assertEquals(IpFamily.IPV6, Cidr.parse("fd00:10:244:1::/64").family());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.1.1/24")).getMessage().contains("host bits"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33")).getMessage().contains("outside 0..32"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("localhost/8")).getMessage().contains("not an IP address literal"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0")).getMessage().contains("no /prefix-length"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x")).getMessage().contains("invalid prefix length"));
    }

    @Test
    void overlapAndContainment() {
        Cidr cluster = Cidr.parse("10.244.0.0/16");
        assertTrue(cluster.overlaps(Cidr.parse("10.244.7.0/24")));
        assertTrue(Cidr.parse("10.244.7.0/24").overlaps(cluster));
        assertFalse(Cidr.parse("10.244.7.0/24").overlaps(Cidr.parse("10.244.8.0/24")));
        assertFalse(cluster.overlaps(Cidr.parse("fd00::/8")));
        assertTrue(cluster.contains(IpLiterals.parse("10.244.255.1")));
        assertFalse(cluster.contains(IpLiterals.parse("10.245.0.1")));
    }
}
