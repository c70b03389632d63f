package dev.ward.netlink;

/**
 * A message to send, before it has a sequence number. {@code subject} names the object it is about (an SA, a
 * policy, a link) so that a kernel refusal can say which object it refused.
 */
public record NetlinkRequest(int type, int flags, byte[] payload, String subject) {
    public int encodedLength() {
        return NetlinkFlags.align(NetlinkFlags.HEADER_LENGTH + payload.length);
    }
}
