package dev.ward.xfrm;

/** An SA Ward refuses before asking the kernel: the message names the SA and what is wrong with it. */
public class InvalidSecurityAssociationException extends IllegalArgumentException {
    public InvalidSecurityAssociationException(String message) {
        super(message);
    }
}
