package dev.ward.xfrm;

import dev.ward.netlink.Attributes;
import dev.ward.netlink.MalformedNetlinkMessageException;
import dev.ward.netlink.NetlinkMessage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

class PolicyMessagesTest {
    private static NetlinkMessage asMessage(byte[] payload) {
        return new NetlinkMessage(PolicyMessages.XFRM_MSG_NEWPOLICY, 0, 1, 0, ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder()));
    }

    @Test
    void userpolicyInfoAndTemplateFieldsSitAtTheKernelsOffsets() {
        XfrmPolicy p = Samples.everyKindOfPolicy().get(3); // tcp selector, out, prio 50, transport tmpl reqid 7
        ByteBuffer b = ByteBuffer.wrap(PolicyMessages.encode(p)).order(ByteOrder.nativeOrder());
        // selector: daddr @0, saddr @16, dport @32 (BE) + mask, sport @36, family @40, plen_d @42, plen_s @43, proto @44
        assertEquals("0a5b0200", HexFormat.of().formatHex(b.array(), 0, 4));
        assertEquals("0a5b0105", HexFormat.of().formatHex(b.array(), 16, 20));
        assertEquals("20fbffff", HexFormat.of().formatHex(b.array(), 32, 36), "dport 8443 and a full mask");
        assertEquals("00000000", HexFormat.of().formatHex(b.array(), 36, 40), "any source port, no mask");
        assertEquals(2, b.getShort(40));
        assertEquals(24, b.get(42));
        assertEquals(32, b.get(43));
        assertEquals(6, b.get(44));
        // userpolicy_info: priority @152, index @156, dir @160, action @161, sizeof 168
        assertEquals(50, b.getInt(152));
        assertEquals(1, b.get(160));
        assertEquals(0, b.get(161));
        ByteBuffer t = Attributes.afterHeader(b, PolicyMessages.USERPOLICY_INFO_LEN).first(PolicyMessages.XFRMA_TMPL);
        assertEquals(64, t.remaining());
        // xfrm_user_tmpl: proto @20, family @24, reqid @44, mode @48, optional @50, algos @52..63
        assertEquals(50, t.get(20));
        assertEquals(2, t.getShort(24));
        assertEquals(7, t.getInt(44));
        assertEquals(0, t.get(48));
        assertEquals(0, t.get(50));
        assertEquals(-1, t.getInt(56));
    }

    @Test
    void blockAndUseLevelAreEncoded() {
        ByteBuffer block = ByteBuffer.wrap(PolicyMessages.encode(Samples.everyKindOfPolicy().get(4))).order(ByteOrder.nativeOrder());
        assertEquals(1, block.get(161));
        ByteBuffer fwd = ByteBuffer.wrap(PolicyMessages.encode(Samples.everyKindOfPolicy().get(2))).order(ByteOrder.nativeOrder());
        assertEquals(2, fwd.get(160));
        assertEquals(1, Attributes.afterHeader(fwd, 168).first(PolicyMessages.XFRMA_TMPL).get(50), "level use is optional=1");
    }

    @Test
    void everyKindOfPolicyDecodesBackToItself() {
        for (XfrmPolicy p : Samples.everyKindOfPolicy()) {
            assertEquals(p, PolicyMessages.decode(asMessage(PolicyMessages.encode(p))).policy(), p.describe());
        }
    }

    @Test
    void truncatedPolicyMessagesAreRejectedAtEveryOffsetThatCutsData() {
        XfrmPolicy p = Samples.everyKindOfPolicy().get(5); // template + mark
        byte[] full = PolicyMessages.encode(p);
        // Cuts at an attribute boundary legitimately drop whole optional attributes; all others must be rejected.
        java.util.Set<Integer> boundaries = java.util.Set.of(168, 168 + 4 + 64);
        for (int cut = 0; cut < full.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(full, cut);
            if (boundaries.contains(cut)) {
                XfrmPolicy partial = PolicyMessages.decode(asMessage(part)).policy();
                assertEquals(null, partial.mark(), "cut at " + cut);
                continue;
            }
            try {
                PolicyMessages.decode(asMessage(part));
                fail("decoded a policy cut at " + cut + " of " + full.length);
            } catch (MalformedNetlinkMessageException expected) {
                // cut inside the struct or an attribute
            }
        }
    }

    @Test
    void policyKeyIsSelectorIndexDir() {
        XfrmPolicy p = Samples.everyKindOfPolicy().get(1);
        byte[] key = PolicyMessages.encodeKey(p.key());
        assertEquals(PolicyMessages.USERPOLICY_ID_LEN, key.length);
        assertEquals(0, ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).get(60));
    }
}
