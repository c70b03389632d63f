package dev.ward.pki;

import java.security.cert.CertificateException;

/**
 * Why an SVID chain is not accepted. It is a {@link CertificateException} so code written against the JDK's
 * certificate APIs can hand the verifier straight through.
 */
public final class SvidRejectedException extends CertificateException {
    public enum Reason {
        /** Empty chain, or a certificate that cannot be read. */
        MALFORMED,
        /** The leaf does not have exactly one URI SAN holding a SPIFFE ID. */
        NOT_AN_SVID,
        /** A SPIFFE ID, but not {@code /ward/node/<node>}. */
        NOT_A_NODE_ID,
        WRONG_TRUST_DOMAIN,
        /** A valid node SVID, but for a different node than the caller expected. */
        WRONG_NODE,
        /** The leaf is a CA, lacks digitalSignature, or may sign certificates/CRLs. */
        NOT_A_LEAF,
        /** No path to a CA of the bundle, or a signature on the path does not verify. */
        UNTRUSTED,
        EXPIRED,
        NOT_YET_VALID,
        /** No current CRL from the issuing CA: Ward fails closed rather than accept an unknown status. */
        REVOCATION_UNKNOWN,
        REVOKED
    }

    private final Reason reason;

    public SvidRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
