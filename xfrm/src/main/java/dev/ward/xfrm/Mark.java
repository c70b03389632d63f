package dev.ward.xfrm;

/** A firewall mark with mask: an SA or policy applies only to packets whose {@code mark & mask == value}. */
public record Mark(int value, int mask) {
    public static Mark of(int value) {
        return new Mark(value, 0xffffffff);
    }

    @Override
    public String toString() {
        return String.format("0x%x/0x%x", value, mask);
    }
}
