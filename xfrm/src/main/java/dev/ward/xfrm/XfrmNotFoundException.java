package dev.ward.xfrm;

/** The SA or policy to get, update or delete is not installed. */
public final class XfrmNotFoundException extends XfrmException {
    public XfrmNotFoundException(String subject, int errno, String kernelMessage) {
        super(subject, errno, kernelMessage, "not installed");
    }
}
