package dev.ward.agent.encryption;

/** An ESP Security Parameters Index. 0 is invalid and 1-255 are reserved by IANA (RFC 4303), so Ward uses 256 and up. */
public record Spi(long value) implements Comparable<Spi> {
    public static final long MIN = 256;
    public static final long MAX = 0xFFFF_FFFFL;

    public Spi {
        if (value < MIN || value > MAX) {
            throw new IllegalArgumentException(String.format("SPI 0x%x is outside 0x%x..0x%x", value, MIN, MAX));
        }
    }

    /** The SPI after this one, wrapping from the top of the space back to 256. */
    public Spi next() {
        return new Spi(value == MAX ? MIN : value + 1);
    }

    @Override
    public int compareTo(Spi other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("0x%08x", value);
    }
}
