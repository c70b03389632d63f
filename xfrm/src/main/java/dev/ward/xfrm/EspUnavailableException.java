package dev.ward.xfrm;

/**
 * The kernel cannot do what the SA asks: it has no ESP (EPROTONOSUPPORT) or lacks the SA's algorithm
 * (ENOSYS). Kernel configuration, not Ward's input, is at fault; the message says which.
 */
public final class EspUnavailableException extends XfrmException {
    public EspUnavailableException(String subject, int errno, String kernelMessage, String hint) {
        super(subject, errno, kernelMessage, hint);
    }
}
