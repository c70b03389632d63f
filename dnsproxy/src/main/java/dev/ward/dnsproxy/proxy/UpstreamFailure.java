package dev.ward.dnsproxy.proxy;

/** A forwarded query that got no acceptable answer; {@code reason} is the metric label (timeout, unreachable, ...). */
public final class UpstreamFailure extends RuntimeException {
    private final String reason;

    public UpstreamFailure(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
