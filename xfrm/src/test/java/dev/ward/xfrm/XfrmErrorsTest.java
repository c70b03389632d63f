package dev.ward.xfrm;

import dev.ward.netlink.Errno;
import dev.ward.netlink.NetlinkException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class XfrmErrorsTest {
    private static XfrmException map(int errno, String reason, XfrmErrors.Operation op) {
        return XfrmErrors.translate(new NetlinkException("SA spi 0x00001000 10.0.0.1->10.0.0.2", errno, reason), op);
    }

    @Test
    void eachRefusalGetsItsOwnException() {
        assertInstanceOf(DuplicateSecurityAssociationException.class, map(Errno.EEXIST, null, XfrmErrors.Operation.ADD_SA));
        assertInstanceOf(DuplicatePolicyException.class, map(Errno.EEXIST, null, XfrmErrors.Operation.ADD_POLICY));
        assertInstanceOf(XfrmNotFoundException.class, map(Errno.ESRCH, null, XfrmErrors.Operation.CHANGE_SA));
        assertInstanceOf(XfrmNotFoundException.class, map(Errno.ENOENT, null, XfrmErrors.Operation.CHANGE_POLICY));
        assertInstanceOf(XfrmPermissionException.class, map(Errno.EPERM, null, XfrmErrors.Operation.READ));
        assertInstanceOf(EspUnavailableException.class, map(Errno.EPROTONOSUPPORT, null, XfrmErrors.Operation.ADD_SA));
        assertInstanceOf(EspUnavailableException.class, map(Errno.ENOSYS, "Requested AEAD algorithm not found", XfrmErrors.Operation.ADD_SA));
        assertEquals(XfrmException.class, map(Errno.EINVAL, null, XfrmErrors.Operation.ADD_SA).getClass());
    }

    @Test
    void messagesNameTheObjectTheKernelReasonAndTheMeaning() {
        assertEquals("SA spi 0x00001000 10.0.0.1->10.0.0.2: Requested AEAD algorithm not found (ENOSYS); "
                        + "this kernel lacks the SA's crypto algorithm",
                map(Errno.ENOSYS, "Requested AEAD algorithm not found", XfrmErrors.Operation.ADD_SA).getMessage());
        assertEquals("SA spi 0x00001000 10.0.0.1->10.0.0.2: Operation not permitted (EPERM); xfrm needs CAP_NET_ADMIN",
                map(Errno.EPERM, null, XfrmErrors.Operation.ADD_SA).getMessage());
    }
}
