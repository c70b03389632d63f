package dev.ward.xfrm;

import dev.ward.netlink.Attributes;
import dev.ward.netlink.MalformedNetlinkMessageException;
import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.PayloadWriter;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Encodes policy requests and decodes policy messages (struct xfrm_userpolicy_info, templates, mark, if_id). */
final class PolicyMessages {
    static final int XFRM_MSG_NEWPOLICY = 0x13, XFRM_MSG_DELPOLICY = 0x14, XFRM_MSG_GETPOLICY = 0x15,
            XFRM_MSG_UPDPOLICY = 0x19, XFRM_MSG_FLUSHPOLICY = 0x1d;
    static final int USERPOLICY_INFO_LEN = 168;
    /** Past it, a policy's direction is a socket's own (XFRM_POLICY_MAX + in or out). */
    static final int XFRM_POLICY_MAX = 3;
    static final int USERPOLICY_ID_LEN = 64;
    static final int USER_TMPL_LEN = 64;
    static final int XFRMA_TMPL = 5;
    private static final int ALL_ALGORITHMS = 0xffffffff;

    private PolicyMessages() {}

    static byte[] encode(XfrmPolicy p) {
        PayloadWriter w = new PayloadWriter();
        XfrmStructs.putSelector(w, p.selector());
        XfrmStructs.putUnlimitedLifetime(w);
        w.zeros(XfrmStructs.LIFETIME_CUR_LEN);
        w.putU32(p.priority()).putU32(0).putU8(p.direction().code).putU8(p.action() == PolicyAction.BLOCK ? 1 : 0)
                .putU8(0).putU8(0).zeros(4);
        if (!p.templates().isEmpty()) {
            int at = w.beginAttribute(XFRMA_TMPL);
            for (PolicyTemplate tmpl : p.templates()) putTemplate(w, tmpl, p.selector().family());
            w.endAttribute(at);
        }
        putMarkAndIfId(w, p.mark(), p.ifId());
        return w.toBytes();
    }

    private static void putTemplate(PayloadWriter w, PolicyTemplate t, int selectorFamily) {
        int family = t.destination() != null ? dev.ward.netlink.IpPrefix.familyOf(t.destination()) : selectorFamily;
        XfrmStructs.putAddress(w, t.destination());
        w.putBigEndianInt(t.spi()).putU8(XfrmStructs.IPPROTO_ESP).zeros(3);
        w.putU16(family).zeros(2);
        XfrmStructs.putAddress(w, t.source());
        w.putU32(t.reqid()).putU8(t.mode().code).putU8(0).putU8(t.level() == TemplateLevel.USE ? 1 : 0).zeros(1);
        w.putU32(ALL_ALGORITHMS).putU32(ALL_ALGORITHMS).putU32(ALL_ALGORITHMS);
    }

    private static void putMarkAndIfId(PayloadWriter w, Mark mark, int ifId) {
        if (mark != null) w.attribute(SaMessages.XFRMA_MARK, new PayloadWriter().putU32(mark.value()).putU32(mark.mask()).toBytes());
        if (ifId != 0) w.attributeU32(SaMessages.XFRMA_IF_ID, ifId);
    }

    /** struct xfrm_userpolicy_id (+ mark, if_id), for get and delete. */
    static byte[] encodeKey(PolicyKey k) {
        PayloadWriter w = new PayloadWriter();
        XfrmStructs.putSelector(w, k.selector());
        w.putU32(0).putU8(k.direction().code).zeros(3);
        putMarkAndIfId(w, k.mark(), k.ifId());
        return w.toBytes();
    }

    /** Socket policies have directions past XFRM_POLICY_MAX (3, 4: a socket's in and out). */
    static boolean isSocketPolicy(NetlinkMessage m) {
        ByteBuffer p = m.payload();
        XfrmStructs.require(p, USERPOLICY_INFO_LEN, "xfrm_userpolicy_info");
        return Byte.toUnsignedInt(p.get(p.position() + 160)) >= XFRM_POLICY_MAX;
    }

    static InstalledPolicy decode(NetlinkMessage m) {
        return decode(m.payload(), USERPOLICY_INFO_LEN);
    }

    static InstalledPolicy decode(ByteBuffer p, int headerLen) {
        XfrmStructs.require(p, headerLen, "xfrm_userpolicy_info");
        ByteBuffer b = p.duplicate().order(ByteOrder.nativeOrder());
        int selFamily = Short.toUnsignedInt(b.getShort(40));
        Attributes a = Attributes.afterHeader(p, headerLen);
        List<PolicyTemplate> templates = templates(a.first(XFRMA_TMPL), selFamily);
        if (selFamily == 0) selFamily = templates.isEmpty() ? dev.ward.netlink.IpPrefix.AF_INET : templateFamily(a.first(XFRMA_TMPL));
        Selector sel = XfrmStructs.selector(b, 0, selFamily);
        PolicyAction action = b.get(161) == 1 ? PolicyAction.BLOCK : PolicyAction.ALLOW;
        XfrmPolicy policy = new XfrmPolicy(sel, PolicyDirection.of(Byte.toUnsignedInt(b.get(160))), action, b.getInt(152),
                SaMessages.mark(a), SaMessages.orZero(a.u32(SaMessages.XFRMA_IF_ID)), templates);
        return new InstalledPolicy(policy, b.getInt(156));
    }

    private static int templateFamily(ByteBuffer t) {
        return Short.toUnsignedInt(t.getShort(24));
    }

    private static List<PolicyTemplate> templates(ByteBuffer t, int selectorFamily) {
        List<PolicyTemplate> out = new ArrayList<>();
        if (t == null) return out;
        if (t.remaining() % USER_TMPL_LEN != 0) {
            throw new MalformedNetlinkMessageException("XFRMA_TMPL of " + t.remaining() + " bytes is not a multiple of " + USER_TMPL_LEN);
        }
        for (int at = 0; at < t.remaining(); at += USER_TMPL_LEN) {
            int family = Short.toUnsignedInt(t.getShort(at + 24));
            if (family == 0) family = selectorFamily;
            int spi = t.duplicate().order(ByteOrder.BIG_ENDIAN).getInt(at + 16);
            XfrmMode mode = XfrmMode.of(Byte.toUnsignedInt(t.get(at + 48)));
            boolean noAddresses = XfrmStructs.isZero(t, at, 16) && XfrmStructs.isZero(t, at + 28, 16);
            InetAddress dst = noAddresses ? null : XfrmStructs.address(t, at, family);
            InetAddress src = noAddresses ? null : XfrmStructs.address(t, at + 28, family);
            TemplateLevel level = t.get(at + 50) != 0 ? TemplateLevel.USE : TemplateLevel.REQUIRED;
            out.add(new PolicyTemplate(src, dst, spi, mode, t.getInt(at + 44), level));
        }
        return out;
    }
}
