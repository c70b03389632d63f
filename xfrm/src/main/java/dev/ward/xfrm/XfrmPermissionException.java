package dev.ward.xfrm;

/** The caller lacks CAP_NET_ADMIN in the namespace's user namespace, which every xfrm request needs. */
public final class XfrmPermissionException extends XfrmException {
    public XfrmPermissionException(String subject, int errno, String kernelMessage) {
        super(subject, errno, kernelMessage, "xfrm needs CAP_NET_ADMIN");
    }
}
