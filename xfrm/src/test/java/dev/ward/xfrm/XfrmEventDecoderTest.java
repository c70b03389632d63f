package dev.ward.xfrm;

import dev.ward.netlink.MalformedNetlinkMessageException;
import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.PayloadWriter;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XfrmEventDecoderTest {
    /**
     * xfrm_user_expire as the kernel builds it (build_expire): the SA's usersa_info, the hard flag, padding, then
     * only mark, output mark and if_id attributes; no algorithm.
     */
    private static byte[] expire(SecurityAssociation sa, boolean hard) {
        byte[] saMsg = SaMessages.encode(sa);
        PayloadWriter w = new PayloadWriter();
        w.putBytes(Arrays.copyOf(saMsg, 224)).putU8(hard ? 1 : 0).zeros(7);
        if (sa.mark() != null) w.attribute(SaMessages.XFRMA_MARK, new PayloadWriter().putU32(sa.mark().value()).putU32(sa.mark().mask()).toBytes());
        return w.toBytes();
    }

    private static NetlinkMessage msg(int type, byte[] payload) {
        return new NetlinkMessage(type, 0, 0, 0, ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder()));
    }

    @Test
    void softAndHardSaExpiresAreTyped() {
        SecurityAssociation sa = Samples.everyKindOfSa().get(6).toBuilder().reqid(5).build();
        XfrmEvent soft = XfrmEventDecoder.decode(msg(XfrmEventDecoder.XFRM_MSG_EXPIRE, expire(sa, false)));
        XfrmEvent.SaExpired s = assertInstanceOf(XfrmEvent.SaExpired.class, soft);
        assertEquals(sa.id(), s.id());
        assertEquals(sa.source(), s.source());
        assertEquals(5, s.reqid());
        assertTrue(!s.hard());
        XfrmEvent.SaExpired h = assertInstanceOf(XfrmEvent.SaExpired.class,
                XfrmEventDecoder.decode(msg(XfrmEventDecoder.XFRM_MSG_EXPIRE, expire(sa, true))));
        assertTrue(h.hard());
    }

    @Test
    void policyExpireIsTyped() {
        XfrmPolicy p = Samples.everyKindOfPolicy().getFirst();
        byte[] enc = PolicyMessages.encode(p);
        byte[] payload = new PayloadWriter().putBytes(Arrays.copyOf(enc, 168)).putU8(1).zeros(7)
                .putBytes(Arrays.copyOfRange(enc, 168, enc.length)).toBytes();
        XfrmEvent.PolicyExpired e = assertInstanceOf(XfrmEvent.PolicyExpired.class,
                XfrmEventDecoder.decode(msg(XfrmEventDecoder.XFRM_MSG_POLEXPIRE, payload)));
        assertEquals(p, e.policy().policy());
        assertTrue(e.hard());
    }

    @Test
    void truncatedExpireIsRejectedAndOtherTypesIgnored() {
        byte[] full = expire(Samples.everyKindOfSa().getFirst(), true);
        assertThrows(MalformedNetlinkMessageException.class,
                () -> XfrmEventDecoder.decode(msg(XfrmEventDecoder.XFRM_MSG_EXPIRE, Arrays.copyOf(full, 228))));
        assertNull(XfrmEventDecoder.decode(msg(SaMessages.XFRM_MSG_NEWSA, full)));
    }
}
