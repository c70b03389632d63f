package dev.ward.xfrm;

import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.MalformedNetlinkMessageException;
import dev.ward.netlink.PayloadWriter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The fixed structs of linux/xfrm.h shared by SA and policy messages: addresses, selector, lifetime
 * configuration. Offsets and sizes are those of the x86-64 ABI (checked against the header with offsetof).
 */
final class XfrmStructs {
    static final int ADDRESS_LEN = 16;
    static final int SELECTOR_LEN = 56;
    static final int LIFETIME_CFG_LEN = 64;
    static final int LIFETIME_CUR_LEN = 32;
    static final int IPPROTO_ESP = 50;
    static final int IPSEC_PROTO_ANY = 255;

    private XfrmStructs() {}

    static void putAddress(PayloadWriter w, InetAddress a) {
        w.putFixed(a == null ? new byte[0] : a.getAddress(), ADDRESS_LEN);
    }

    static InetAddress address(ByteBuffer b, int at, int family) {
        byte[] raw = new byte[family == IpPrefix.AF_INET6 ? 16 : 4];
        b.get(at, raw);
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new MalformedNetlinkMessageException("bad address: " + e.getMessage());
        }
    }

    static boolean isZero(ByteBuffer b, int at, int len) {
        for (int i = 0; i < len; i++) if (b.get(at + i) != 0) return false;
        return true;
    }

    static void putSelector(PayloadWriter w, Selector s) {
        putAddress(w, s.destination().address());
        putAddress(w, s.source().address());
        w.putBigEndianShort(s.destinationPort()).putBigEndianShort(s.destinationPort() == 0 ? 0 : 0xffff);
        w.putBigEndianShort(s.sourcePort()).putBigEndianShort(s.sourcePort() == 0 ? 0 : 0xffff);
        w.putU16(s.family()).putU8(s.destination().length()).putU8(s.source().length()).putU8(s.protocol()).zeros(3);
        w.putU32(0).putU32(0); // ifindex, user: Ward does not bind selectors to an interface or a uid
    }

    /** Reads a selector; one with family 0 (as {@code ip} leaves it) is read in {@code fallbackFamily}. */
    static Selector selector(ByteBuffer b, int at, int fallbackFamily) {
        int family = Short.toUnsignedInt(b.getShort(at + 40));
        if (family == 0) family = fallbackFamily;
        ByteBuffer bigEndian = b.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        int dport = Short.toUnsignedInt(bigEndian.getShort(at + 32));
        int sport = Short.toUnsignedInt(bigEndian.getShort(at + 36));
        IpPrefix dst = new IpPrefix(address(b, at, family), Byte.toUnsignedInt(b.get(at + 42)));
        IpPrefix src = new IpPrefix(address(b, at + 16, family), Byte.toUnsignedInt(b.get(at + 43)));
        return new Selector(src, dst, Byte.toUnsignedInt(b.get(at + 44)), sport, dport);
    }

    static void putLifetime(PayloadWriter w, Lifetime l) {
        w.putU64(l.softBytes()).putU64(l.hardBytes()).putU64(l.softPackets()).putU64(l.hardPackets())
                .putU64(l.softAddSeconds()).putU64(l.hardAddSeconds()).putU64(0).putU64(0);
    }

    static Lifetime lifetime(ByteBuffer b, int at) {
        return new Lifetime(b.getLong(at), b.getLong(at + 8), b.getLong(at + 16), b.getLong(at + 24),
                b.getLong(at + 32), b.getLong(at + 40));
    }

    static void putUnlimitedLifetime(PayloadWriter w) {
        for (int i = 0; i < 4; i++) w.putU64(Lifetime.NONE);
        w.zeros(32);
    }

    /** A C {@code char name[64]}: NUL-padded. */
    static byte[] algorithmName(String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (b.length >= 64) throw new IllegalArgumentException("algorithm name too long: " + name);
        return Arrays.copyOf(b, 64);
    }

    static String algorithmName(ByteBuffer b) {
        byte[] raw = new byte[64];
        b.get(0, raw);
        int n = 0;
        while (n < 64 && raw[n] != 0) n++;
        return new String(raw, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    static void require(ByteBuffer b, int len, String what) {
        if (b.remaining() < len) {
            throw new MalformedNetlinkMessageException(what + " of " + b.remaining() + " bytes, need " + len);
        }
    }
}
