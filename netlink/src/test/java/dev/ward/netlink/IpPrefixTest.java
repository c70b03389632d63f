package dev.ward.netlink;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class IpPrefixTest {
    @Test
    void aHostPrefixIsOneAddressOfItsFamily() {
        assertTrue(IpPrefix.parse("10.244.1.5/32").isHost());
        assertTrue(IpPrefix.parse("10.244.1.5").isHost());
        assertFalse(IpPrefix.parse("10.244.1.0/24").isHost());
        assertTrue(IpPrefix.parse("fd00::5/128").isHost());
        assertFalse(IpPrefix.parse("fd00::/64").isHost());
        assertFalse(IpPrefix.parse("fd00::/32").isHost(), "32 bits of an IPv6 address is no host");
    }
}
