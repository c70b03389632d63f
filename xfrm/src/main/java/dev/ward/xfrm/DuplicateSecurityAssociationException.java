package dev.ward.xfrm;

/** An SA with the same destination, SPI and mark is already installed (use update to replace it). */
public final class DuplicateSecurityAssociationException extends XfrmException {
    public DuplicateSecurityAssociationException(String subject, int errno, String kernelMessage) {
        super(subject, errno, kernelMessage, "an SA with this destination, SPI and mark is already installed");
    }
}
