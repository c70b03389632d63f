package dev.ward.agent.encryption;

/**
 * The largest packet a pod may send so that, wrapped in an ESP tunnel with rfc4106(gcm(aes)), it still fits the
 * underlay MTU unfragmented.
 *
 * <p>An ESP tunnel packet is: outer IP header (20 bytes IPv4, 40 IPv6), ESP header (SPI 4 + sequence 4), the
 * 8-byte explicit IV, the inner packet, padding, pad length (1) and next header (1), and the 16-byte ICV.
 * GCM needs no block alignment, but ESP requires the encrypted part (inner packet + padding + 2) to end on a
 * 4-byte boundary (RFC 4303 section 2.4), so up to 3 bytes of padding are added. The pod MTU is the largest
 * inner size whose aligned ciphertext still fits: floor4(underlay - outer - 8 - 8 - 16) - 2. ESN adds nothing
 * on the wire (the high sequence bits are only authenticated).
 */
public final class EspTunnelMtu {
    public static final int ESP_HEADER_BYTES = 8;
    public static final int TRAILER_BYTES = 2;
    public static final int ALIGNMENT = 4;
    /** The smallest MTU an IPv6 link may have (RFC 8200); pods with IPv6 need at least this much. */
    public static final int IPV6_MINIMUM_MTU = 1280;
    /** The smallest MTU an IPv4 link may have (RFC 791). */
    public static final int IPV4_MINIMUM_MTU = 68;

    private EspTunnelMtu() {
    }

    /** The pod interface MTU for an underlay link of {@code underlayMtu} bytes with the tunnel in {@code underlay}. */
    public static int podMtu(int underlayMtu, IpFamily underlay, boolean podsUseIpv6) {
        int room = underlayMtu - underlay.headerBytes() - ESP_HEADER_BYTES - EspCipher.IV_BYTES - EspCipher.ICV_BYTES;
        int mtu = room - room % ALIGNMENT - TRAILER_BYTES;
        int minimum = podsUseIpv6 ? IPV6_MINIMUM_MTU : IPV4_MINIMUM_MTU;
        if (mtu < minimum) {
            throw new IllegalArgumentException("an underlay MTU of " + underlayMtu + " over " + underlay
                    + " leaves " + Math.max(mtu, 0) + " bytes for pods after ESP tunnel overhead; "
                    + (podsUseIpv6 ? "IPv6 pods need " : "pods need ") + minimum);
        }
        return mtu;
    }

    /** Size on the underlay of an inner packet of {@code innerBytes} after tunnel encapsulation. */
    public static int tunnelPacketBytes(int innerBytes, IpFamily underlay) {
        int encrypted = innerBytes + TRAILER_BYTES;
        int padded = (encrypted + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        return underlay.headerBytes() + ESP_HEADER_BYTES + EspCipher.IV_BYTES + padded + EspCipher.ICV_BYTES;
    }
}
