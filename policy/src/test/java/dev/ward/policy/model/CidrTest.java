package dev.ward.policy.model;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prefix containment (the test every CIDR selection makes of every address identity) against arithmetic on numbers. */
class CidrTest {
    @Property(tries = 2000)
    void containsAgreesWithPrefixArithmetic(@ForAll byte[] seedA, @ForAll byte[] seedB, @ForAll @IntRange(max = 32) int lenA,
                                            @ForAll @IntRange(max = 32) int lenB, @ForAll boolean v6) throws Exception {
        int bytes = v6 ? 16 : 4;
        int scale = v6 ? 4 : 1;
        Cidr a = cidr(address(seedA, seedA, bytes), lenA * scale);
        // Often a prefix near a, so containment is true as often as not.
        Cidr b = cidr(address(seedA.length % 2 == 0 ? seedA : seedB, seedB, bytes), lenB * scale);
        boolean expected = b.prefixLength() >= a.prefixLength()
                && network(b, a.prefixLength()).equals(network(a, a.prefixLength()));
        assertEquals(expected, a.contains(b), a + " contains " + b);
    }

    @Property(tries = 500)
    void everyContainedPrefixSortsBetweenACidrAndItsLast(@ForAll byte[] seed, @ForAll byte[] other,
                                                          @ForAll @IntRange(max = 32) int len, @ForAll @IntRange(max = 32) int otherLen)
            throws Exception {
        Cidr a = cidr(address(seed, seed, 4), len);
        Cidr b = cidr(address(other, other, 4), otherLen);
        assertTrue(a.contains(a.last()), a + " contains its last " + a.last());
        boolean between = a.compareTo(b) <= 0 && b.compareTo(a.last()) <= 0;
        if (a.contains(b)) assertTrue(between, b + " inside " + a + " sorts between it and " + a.last());
        else assertFalse(between && b.prefixLength() >= a.prefixLength(), b + " outside " + a);
    }

    @Test
    void lastIsTheBroadcastHost() {
        assertEquals(Cidr.parse("10.1.255.255/32"), Cidr.parse("10.1.0.0/16").last());
        assertEquals(Cidr.parse("10.1.2.3/32"), Cidr.parse("10.1.2.3/32").last());
        assertEquals(Cidr.parse("10.1.1.255/32"), Cidr.parse("10.1.1.128/25").last());
        assertEquals(Cidr.parse("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), Cidr.parse("2001:db8::/32").last());
    }

    private static byte[] address(byte[] seed, byte[] fallback, int bytes) {
        byte[] out = new byte[bytes];
        byte[] src = seed.length > 0 ? seed : fallback;
        for (int i = 0; i < bytes && src.length > 0; i++) out[i] = src[i % src.length];
        // Never an IPv4-mapped IPv6 address, which Java turns into an IPv4 one.
        if (bytes == 16) out[0] |= 0x20;
        return out;
    }

    private static Cidr cidr(byte[] address, int len) throws Exception {
        return Cidr.parse(InetAddress.getByAddress(address).getHostAddress() + "/" + len);
    }

    private static BigInteger network(Cidr c, int len) {
        int bits = c.isIpv4() ? 32 : 128;
        BigInteger value = new BigInteger(1, c.address().getAddress());
        return value.shiftRight(bits - len);
    }
}
