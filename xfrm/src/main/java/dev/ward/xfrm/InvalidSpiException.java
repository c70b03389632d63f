package dev.ward.xfrm;

/** An SPI in the range 1..255, which RFC 4303 reserves. */
public final class InvalidSpiException extends InvalidSecurityAssociationException {
    public InvalidSpiException(String message) {
        super(message);
    }
}
