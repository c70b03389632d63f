package dev.ward.pki;

/** A certificate signing request that Ward will not sign, and why. */
public final class CsrRejectedException extends Exception {
    public enum Reason {
        MALFORMED("MalformedRequest"),
        BAD_SIGNATURE("BadRequestSignature"),
        UNSUPPORTED_KEY("UnsupportedKey"),
        NO_SPIFFE_ID("MissingSpiffeId"),
        EXTRA_SANS("ExtraSubjectAltNames"),
        NOT_A_NODE_ID("NotANodeSpiffeId"),
        WRONG_TRUST_DOMAIN("WrongTrustDomain"),
        CA_REQUESTED("CaRequested"),
        UNSUPPORTED_EXTENSION("UnsupportedExtension");

        private final String conditionReason;

        Reason(String conditionReason) {
            this.conditionReason = conditionReason;
        }

        /** CamelCase form, as Kubernetes condition reasons are written. */
        public String conditionReason() {
            return conditionReason;
        }
    }

    private final Reason reason;

    public CsrRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
