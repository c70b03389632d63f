package dev.ward.keyd;

/** keyd cannot sign right now although attestation passed (e.g. its CA is not in the published bundle). */
public final class IssuanceRefusedException extends Exception {
    public IssuanceRefusedException(String message) {
        super(message);
    }
}
