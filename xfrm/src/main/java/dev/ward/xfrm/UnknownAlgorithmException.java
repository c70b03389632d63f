package dev.ward.xfrm;

/** An algorithm name Ward does not install (only the vetted ones are allowed). */
public final class UnknownAlgorithmException extends InvalidSecurityAssociationException {
    public UnknownAlgorithmException(String message) {
        super(message);
    }
}
