package dev.ward.xfrm;

import dev.ward.netlink.NetlinkException;

/** The kernel refused an xfrm request; subclasses name the refusals callers act on. */
public class XfrmException extends NetlinkException {
    public XfrmException(String subject, int errno, String kernelMessage) {
        super(subject, errno, kernelMessage);
    }

    protected XfrmException(String subject, int errno, String kernelMessage, String hint) {
        super(subject, errno, kernelMessage, hint);
    }
}
