package dev.ward.dnsproxy.policy;

/** What policy makes of one query. Only {@link #ALLOWED} answers teach toFQDNs addresses. */
public enum DnsVerdict {
    /** A DNS rule (matchName/matchPattern) on the redirected port admits the name: forwarded, its addresses learned. */
    ALLOWED("allowed", true),
    /** The port is allowed at L4 without DNS rules: forwarded as is, nothing learned (toFQDNs needs DNS rules). */
    ALLOWED_L4("allowed_l4", true),
    /** The port carries DNS rules and none admits the name. */
    REFUSED("refused", false),
    /** Policy denies the endpoint this server and port at L4. */
    DENIED("denied", false),
    /** The query came from an address that is no endpoint on this node: nothing to decide with, so nothing passes. */
    UNKNOWN_ENDPOINT("unknown_endpoint", false);

    private final String label;
    private final boolean forwarded;

    DnsVerdict(String label, boolean forwarded) {
        this.label = label;
        this.forwarded = forwarded;
    }

    public String label() {
        return label;
    }

    public boolean forwarded() {
        return forwarded;
    }
}
