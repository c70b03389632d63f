package dev.ward.bpf.maps;

import java.util.ArrayList;
import java.util.List;

/**
 * A block of ports sharing their first {@code length} bits: {@code value/length} covers
 * {@code value .. value + 2^(16-length) - 1}. An LPM trie matches ports only by such blocks, so a range becomes
 * the fewest blocks that tile it exactly (at most 30 for a 16-bit range).
 */
public record PortPrefix(int value, int length) {
    public PortPrefix {
        if (length < 0 || length > 16) throw new IllegalArgumentException("port prefix length must be 0-16: " + length);
        if (value < 0 || value > 0xFFFF) throw new IllegalArgumentException("port out of range: " + value);
        if ((value & ((1 << (16 - length)) - 1)) != 0) {
            throw new IllegalArgumentException("port prefix " + value + "/" + length + " has bits set below its length");
        }
    }

    public int low() {
        return value;
    }

    public int high() {
        return value + (1 << (16 - length)) - 1;
    }

    public boolean contains(int port) {
        return port >= low() && port <= high();
    }

    /** The prefixes that tile {@code low..high} exactly, in port order: greedy largest aligned blocks. */
    public static List<PortPrefix> cover(int low, int high) {
        if (low < 0 || high > 0xFFFF || low > high) throw new IllegalArgumentException("invalid port range " + low + "-" + high);
        List<PortPrefix> out = new ArrayList<>();
        int p = low;
        while (p <= high) {
            int size = p == 0 ? 1 << 16 : Integer.lowestOneBit(p);
            while (p + size - 1 > high) size >>= 1;
            out.add(new PortPrefix(p, 16 - Integer.numberOfTrailingZeros(size)));
            p += size;
        }
        return out;
    }

    @Override
    public String toString() {
        return value + "/" + length;
    }
}
