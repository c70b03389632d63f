package dev.ward.policy.parse;

/** How a document that is not what the schema says is read: refused, or corrected and listed. */
enum PolicyReading {
    /** The default: every departure from the schema is an error. */
    STRICT,
    /** {@code wardctl policy validate --fix}: departures with one meaning are corrected in the tree and listed. */
    REPAIR
}
