package dev.ward.xfrm;

import dev.ward.netlink.Errno;
import dev.ward.netlink.NetlinkException;

/** Maps the kernel's errno for an xfrm request to the specific exception callers can act on. */
final class XfrmErrors {
    enum Operation { ADD_SA, CHANGE_SA, ADD_POLICY, CHANGE_POLICY, READ }

    private XfrmErrors() {}

    static XfrmException translate(NetlinkException e, Operation op) {
        String s = e.subject();
        String k = e.kernelMessage();
        int errno = e.errno();
        if (errno == Errno.EPERM) return new XfrmPermissionException(s, errno, k);
        if (errno == Errno.EEXIST && op == Operation.ADD_SA) return new DuplicateSecurityAssociationException(s, errno, k);
        if (errno == Errno.EEXIST && op == Operation.ADD_POLICY) return new DuplicatePolicyException(s, errno, k);
        if ((errno == Errno.ESRCH || errno == Errno.ENOENT) && op != Operation.ADD_SA && op != Operation.ADD_POLICY) {
            return new XfrmNotFoundException(s, errno, k);
        }
        if (op == Operation.ADD_SA || op == Operation.CHANGE_SA) {
            if (errno == Errno.EPROTONOSUPPORT) {
                return new EspUnavailableException(s, errno, k, "this kernel has no ESP (esp4/esp6 not built or loaded)");
            }
            if (errno == Errno.ENOSYS) {
                return new EspUnavailableException(s, errno, k, "this kernel lacks the SA's crypto algorithm");
            }
        }
        return new XfrmException(s, errno, k);
    }
}
