package dev.ward.policy.identity;

import dev.ward.policy.model.Cidr;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalIdentityAllocatorTest {
    @Test
    void prefixesGetReferenceCountedNodeLocalIdentities() {
        LocalIdentityAllocator a = new LocalIdentityAllocator();
        Identity net = a.acquire(Cidr.parse("10.0.0.0/8"));
        Identity host = a.acquire(Cidr.parse("10.1.2.3/32"));
        assertTrue(IdentityNumbers.isNodeLocal(net.id()));
        assertEquals(-1, IdentityNumbers.clusterId(net.id()));
        assertEquals("cidr:10.0.0.0/8,reserved:world", net.labels().toString());
        assertEquals(net, a.acquire(Cidr.parse("10.0.0.0/8")));
        assertFalse(a.release(Cidr.parse("10.0.0.0/8")));
        assertTrue(a.release(Cidr.parse("10.0.0.0/8")));
        assertNull(a.get(Cidr.parse("10.0.0.0/8")));
        assertEquals(net.id(), a.acquire(Cidr.parse("192.0.2.0/24")).id(), "freed numbers are reused");
        assertEquals(host, a.get(Cidr.parse("10.1.2.3/32")));
    }
}
