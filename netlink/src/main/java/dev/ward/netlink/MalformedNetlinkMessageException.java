package dev.ward.netlink;

/** Bytes that are not a well-formed netlink message: the kernel never sends these, so it means a bug or truncation. */
public final class MalformedNetlinkMessageException extends RuntimeException {
    public MalformedNetlinkMessageException(String message) {
        super(message);
    }
}
