package dev.ward.agent.encryption;

/** An announcement that must not be acted on, with why. */
public final class AnnouncementRejectedException extends Exception {
    public enum Reason {
        /** The chain verifier refused the SVID chain: untrusted, expired or revoked. */
        UNTRUSTED_CHAIN,
        /** The leaf's SPIFFE ID does not name the announcing node, or is not a node SVID at all. */
        WRONG_IDENTITY,
        /** The signature was not made by the leaf's key over this announcement. */
        BAD_SIGNATURE,
        /** Older than an announcement already accepted from the node: a replay. */
        STALE,
        /** Same epoch (or same revision) as an accepted announcement but different content: equivocation. */
        CONFLICTING
    }

    private final Reason reason;
    private final String node;

    public AnnouncementRejectedException(Reason reason, String node, String detail) {
        super("announcement of " + node + " rejected (" + reason.name().toLowerCase().replace('_', ' ') + "): " + detail);
        this.reason = reason;
        this.node = node;
    }

    public Reason reason() {
        return reason;
    }

    public String node() {
        return node;
    }
}
