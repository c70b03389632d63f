package dev.ward.netlink;

import java.util.function.Supplier;

/**
 * A message to send, before it has a sequence number. The subject names the object it is about (an SA, a
 * policy, a link) so that a kernel refusal can say which object it refused; it is computed only when needed,
 * because a batch of ten thousand requests usually has no refusal to describe.
 */
public record NetlinkRequest(int type, int flags, byte[] payload, Supplier<String> describer) {
    public NetlinkRequest(int type, int flags, byte[] payload, String subject) {
        this(type, flags, payload, () -> subject);
    }

    public String subject() {
        return describer.get();
    }

    public int encodedLength() {
        return NetlinkFlags.align(NetlinkFlags.HEADER_LENGTH + payload.length);
    }
}
