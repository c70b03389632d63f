package dev.ward.xfrm;

/** A key whose length does not fit its algorithm. */
public final class InvalidKeyLengthException extends InvalidSecurityAssociationException {
    public InvalidKeyLengthException(String message) {
        super(message);
    }
}
