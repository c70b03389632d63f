package dev.ward.bpf.maps;

import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The byte layouts of ward_abi.h, spelled out byte by byte. */
class MapCodecTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void policyKeyIsPrefixLengthIdentityDirectionProtocolAndBigEndianPort() {
        PolicyKey k = new PolicyKey(0x01020304, Direction.EGRESS, Protocol.TCP, new PortPrefix(8080, 13));
        // prefixlen 48+13=61 LE | identity LE | dir 1 | proto 6 | port 0x1f90 BE
        assertArrayEquals(hex("3d000000 04030201 01 06 1f90"), k.encode());
        assertEquals(k, PolicyKey.decode(k.encode()));
        PolicyKey other = new PolicyKey(0, Direction.INGRESS, Protocol.OTHER, new PortPrefix(0, 0));
        assertArrayEquals(hex("30000000 00000000 00 ff 0000"), other.encode());
        assertEquals(other, PolicyKey.decode(other.encode()));
    }

    @Test
    void policyKeysRefuseWhatTheDatapathCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> new PolicyKey(1, Direction.INGRESS, Protocol.ANY, new PortPrefix(0, 0)));
        assertEquals("policy key prefix length 70 outside 48..64",
                assertThrows(IllegalArgumentException.class, () -> PolicyKey.decode(hex("46000000 00000000 00 06 0000"))).getMessage());
        assertEquals("policy map protocol byte 7 is not a bucket",
                assertThrows(IllegalArgumentException.class, () -> PolicyKey.decode(hex("40000000 00000000 00 07 0050"))).getMessage());
    }

    @Test
    void policyValueIsCookieProxyPortVerdict() {
        PolicyValue v = new PolicyValue(Verdict.Kind.REDIRECT, 15001, 0xCAFEBABE);
        assertArrayEquals(hex("bebafeca 993a 02 00"), v.encode());
        assertEquals(v, PolicyValue.decode(v.encode()));
        assertEquals(new PolicyValue(Verdict.Kind.DENY, 0, 7), PolicyValue.decode(hex("07000000 0000 01 00")));
        assertThrows(IllegalArgumentException.class, () -> new PolicyValue(Verdict.Kind.ALLOW, 80, 0));
    }

    @Test
    void ipcacheKeysAreV4MappedSoOneTrieHoldsBothFamilies() {
        byte[] v4 = IpCacheKey.encode(IpPrefix.parse("10.1.0.0/16"));
        assertArrayEquals(hex("70000000 00000000000000000000ffff 0a010000"), v4);
        assertEquals(IpPrefix.parse("10.1.0.0/16"), IpCacheKey.decode(v4));
        byte[] v6 = IpCacheKey.encode(IpPrefix.parse("fd00::/8"));
        assertArrayEquals(hex("08000000 fd000000000000000000000000000000"), v6);
        assertEquals(IpPrefix.parse("fd00::/8"), IpCacheKey.decode(v6));
        assertArrayEquals(hex("2a000000 00000000"), IpCacheValue.encode(42));
        assertEquals(42, IpCacheValue.decodeIdentity(hex("2a000000 00000000")));
    }

    @Test
    void endpointValueHoldsIdsFlagsAndNames() {
        EndpointValue v = new EndpointValue(7, 0x10203, EndpointValue.ENFORCE_INGRESS | EndpointValue.LOCK_EGRESS, "lxc12", "default/web-0");
        byte[] b = v.encode();
        assertEquals(EndpointValue.SIZE, b.length);
        assertArrayEquals(hex("07000000 03020100 09000000 00000000"), java.util.Arrays.copyOf(b, 16));
        assertEquals("lxc12", new String(b, 16, 5));
        assertEquals(0, b[21]);
        assertEquals("default/web-0", new String(b, 32, 13));
        assertEquals(v, EndpointValue.decode(b));
        String tooLong = "x".repeat(EndpointValue.NAME_MAX + 1);
        assertEquals("endpoint name longer than 319 bytes: " + tooLong,
                assertThrows(IllegalArgumentException.class, () -> new EndpointValue(1, 1, 0, "v", tooLong)).getMessage());
    }
}
