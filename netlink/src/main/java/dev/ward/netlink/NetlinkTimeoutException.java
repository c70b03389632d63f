package dev.ward.netlink;

/**
 * The kernel's answer did not arrive (timeout) or was dropped (receive buffer overrun). For a batch this means
 * the outcome of the unanswered requests is unknown, and the message says which ones.
 */
public final class NetlinkTimeoutException extends RuntimeException {
    public NetlinkTimeoutException(String message) {
        super(message);
    }
}
