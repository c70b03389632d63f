package dev.ward.policy.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An IPv4 or IPv6 prefix with its host bits cleared. */
public final class Cidr implements Comparable<Cidr> {
    private final byte[] address;
    private final int prefixLength;

    private Cidr(byte[] address, int prefixLength) {
        this.address = address;
        this.prefixLength = prefixLength;
    }

    /** Parses {@code 10.0.0.0/8}, {@code 2001:db8::/32} or a bare address (a host prefix). */
    public static Cidr parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = parseAddress(addr, text);
        int max = bytes.length * 8;
        int len;
        if (slash < 0) {
            len = max;
        } else {
            String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) throw new IllegalArgumentException("invalid prefix length in '" + text + "'");
            len = Integer.parseInt(p);
            if (len > max) throw new IllegalArgumentException("prefix length " + len + " exceeds " + max + " in '" + text + "'");
        }
        return new Cidr(mask(bytes, len), len);
    }

    public static Cidr host(InetAddress address) {
        byte[] b = address.getAddress();
        return new Cidr(b, b.length * 8);
    }

    /** Whether {@code text}, as written, had bits set beyond its prefix length (e.g. {@code 10.1.2.3/8}). */
    public static boolean hasHostBits(String text) {
        Cidr c = parse(text);
        int slash = text.indexOf('/');
        if (slash < 0) return false;
        return !Arrays.equals(parseAddress(text.substring(0, slash).strip(), text), c.address);
    }

    public static boolean isAddress(String text) {
        try {
            parseAddress(text, text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] parseAddress(String addr, String whole) {
        boolean v4 = addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = addr.contains(":") && addr.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) throw new IllegalArgumentException("'" + whole + "' is not an IP address or CIDR");
        if (v4) {
            for (String octet : addr.split("\\.")) {
                if (Integer.parseInt(octet) > 255) throw new IllegalArgumentException("'" + whole + "' is not an IPv4 address");
            }
        }
        try {
            // A literal never triggers a DNS lookup: the patterns above admit only digits, hex and separators.
            return InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + whole + "' is not an IP address");
        }
    }

    private static byte[] mask(byte[] b, int len) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, len - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - bitsHere)));
        }
        return out;
    }

    public boolean isIpv4() {
        return address.length == 4;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public boolean isHost() {
        return prefixLength == address.length * 8;
    }

    /** Whether {@code other} lies entirely inside this prefix. */
    public boolean contains(Cidr other) {
        if (other.address.length != address.length || other.prefixLength < prefixLength) return false;
        // Byte by byte rather than masking a copy: resolving a CIDR selection tests every address identity.
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) if (other.address[i] != address[i]) return false;
        int bits = prefixLength % 8;
        return bits == 0 || (other.address[whole] & (0xff << (8 - bits)) & 0xff) == (address[whole] & 0xff);
    }

    /**
     * The greatest prefix inside this one in {@link #compareTo} order (its last address as a host prefix): every
     * prefix this one contains sorts between it and this.
     */
    public Cidr last() {
        byte[] b = address.clone();
        for (int i = 0; i < b.length; i++) {
            int networkBits = Math.max(0, Math.min(8, prefixLength - i * 8));
            b[i] = (byte) (b[i] | (0xff >>> networkBits));
        }
        return new Cidr(b, b.length * 8);
    }

    public InetAddress address() {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int compareTo(Cidr o) {
        if (address.length != o.address.length) return Integer.compare(address.length, o.address.length);
        int c = Arrays.compareUnsigned(address, o.address);
        return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && prefixLength == c.prefixLength && Arrays.equals(address, c.address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + prefixLength;
    }

    @Override
    public String toString() {
        String a = address().getHostAddress();
        return a + "/" + prefixLength;
    }
}
