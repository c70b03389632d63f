package dev.ward.netlink;

/** The kernel did not answer in time. For a batch this means the outcome of the unanswered requests is unknown. */
public final class NetlinkTimeoutException extends RuntimeException {
    public NetlinkTimeoutException(String message) {
        super(message);
    }
}
