package dev.ward.agent.encryption;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An IP prefix such as a pod CIDR: the network address (host bits zero) and the prefix length. */
public record Cidr(InetAddress network, int prefixLength) {
    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0.." + bits + " for " + network.getHostAddress());
        }
        byte[] masked = mask(network.getAddress(), prefixLength);
        if (!Arrays.equals(masked, network.getAddress())) {
            throw new IllegalArgumentException(network.getHostAddress() + "/" + prefixLength + " has host bits set");
        }
    }

    /** Parses "10.244.1.0/24" or "fd00:10:244:1::/64"; never resolves names. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("CIDR \"" + text + "\" has no /prefix-length");
        }
        InetAddress network = IpLiterals.parse(text.substring(0, slash));
        String length = text.substring(slash + 1);
        if (!length.matches("\\d{1,3}")) {
            throw new IllegalArgumentException("CIDR \"" + text + "\" has an invalid prefix length");
        }
        return new Cidr(network, Integer.parseInt(length));
    }

    public IpFamily family() {
        return IpFamily.of(network);
    }

    public boolean contains(InetAddress address) {
        return IpFamily.of(address) == family()
                && Arrays.equals(mask(address.getAddress(), prefixLength), network.getAddress());
    }

    /** True if the two prefixes share any address. */
    /** Whether every address of {@code other} is in this one. */
    public boolean encloses(Cidr other) {
        return family() == other.family() && prefixLength <= other.prefixLength && contains(other.network);
    }

    public boolean overlaps(Cidr other) {
        if (other.family() != family()) {
            return false;
        }
        int shorter = Math.min(prefixLength, other.prefixLength);
        return Arrays.equals(mask(network.getAddress(), shorter), mask(other.network.getAddress(), shorter));
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }

    private static byte[] mask(byte[] address, int prefixLength) {
        byte[] masked = address.clone();
        for (int bit = prefixLength; bit < masked.length * 8; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return masked;
    }

    static InetAddress fromBytes(byte[] raw) {
        try {
            InetAddress address = InetAddress.getByAddress(raw);
            if (raw.length == 16 && address instanceof Inet4Address) {
                throw new IllegalArgumentException("IPv4-mapped IPv6 addresses are not accepted");
            }
            return address;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, got " + raw.length);
        }
    }
}
