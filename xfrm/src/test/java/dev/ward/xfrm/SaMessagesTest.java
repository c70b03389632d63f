package dev.ward.xfrm;

import dev.ward.netlink.Attributes;
import dev.ward.netlink.MalformedNetlinkMessageException;
import dev.ward.netlink.NetlinkMessage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

class SaMessagesTest {
    private static NetlinkMessage asMessage(byte[] payload) {
        return new NetlinkMessage(SaMessages.XFRM_MSG_NEWSA, 0, 1, 0, ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder()));
    }

    @Test
    void usersaInfoFieldsSitAtTheKernelsOffsets() {
        SecurityAssociation sa = Samples.everyKindOfSa().get(4); // ESN, window 128, reqid 4, tunnel, 256-bit GCM
        ByteBuffer b = ByteBuffer.wrap(SaMessages.encode(sa)).order(ByteOrder.nativeOrder());
        // offsetof() from linux/xfrm.h on x86-64: id @56 (spi @72, proto @76), saddr @80, lft @96, reqid @208,
        // family @212, mode @214, replay_window @215, flags @216, sizeof 224.
        assertEquals("0a5a0002", HexFormat.of().formatHex(b.array(), 56, 60));
        assertEquals("00001004", HexFormat.of().formatHex(b.array(), 72, 76), "SPI is big-endian");
        assertEquals(50, b.get(76));
        assertEquals("0a5a0001", HexFormat.of().formatHex(b.array(), 80, 84));
        assertEquals(-1L, b.getLong(96), "no byte limit is XFRM_INF");
        assertEquals(4, b.getInt(208));
        assertEquals(2, b.getShort(212));
        assertEquals(1, b.get(214));
        assertEquals(0, b.get(215), "ESN windows travel in XFRMA_REPLAY_ESN_VAL");
        assertEquals((byte) 128, b.get(216));
        Attributes a = Attributes.afterHeader(b, SaMessages.USERSA_INFO_LEN);
        ByteBuffer aead = a.first(SaMessages.XFRMA_ALG_AEAD);
        assertEquals("rfc4106(gcm(aes))", XfrmStructs.algorithmName(aead));
        assertEquals(288, aead.getInt(64), "256-bit key + 32-bit salt");
        assertEquals(128, aead.getInt(68));
        ByteBuffer esn = a.first(SaMessages.XFRMA_REPLAY_ESN_VAL);
        assertEquals(4, esn.getInt(0), "bitmap of 4 words for a 128-packet window");
        assertEquals(128, esn.getInt(20));
        assertEquals(24 + 16, esn.remaining());
    }

    @Test
    void marksIfIdAndOffloadAreEncodedAsTheirAttributes() {
        SecurityAssociation sa = Samples.everyKindOfSa().get(6).toBuilder().ifId(7).offload(new OffloadRequest(3, true)).build();
        ByteBuffer b = ByteBuffer.wrap(SaMessages.encode(sa)).order(ByteOrder.nativeOrder());
        Attributes a = Attributes.afterHeader(b, SaMessages.USERSA_INFO_LEN);
        assertEquals(0xe00, a.first(SaMessages.XFRMA_MARK).getInt(0));
        assertEquals(0xf00, a.first(SaMessages.XFRMA_MARK).getInt(4));
        assertEquals(0xd00, a.u32(SaMessages.XFRMA_SET_MARK));
        assertEquals(0xf00, a.u32(SaMessages.XFRMA_SET_MARK_MASK));
        assertEquals(7, a.u32(SaMessages.XFRMA_IF_ID));
        ByteBuffer off = a.first(SaMessages.XFRMA_OFFLOAD_DEV);
        assertEquals(8, off.remaining());
        assertEquals(3, off.getInt(0));
        assertEquals(SaMessages.XFRM_OFFLOAD_INBOUND, off.get(4));
    }

    @Test
    void everyKindOfSaDecodesBackToItself() {
        for (SecurityAssociation sa : Samples.everyKindOfSa()) {
            InstalledSa back = SaMessages.decode(asMessage(SaMessages.encode(sa)));
            assertEquals(sa, back.association(), sa.describe());
            assertEquals(0, back.counters().packets());
        }
        SecurityAssociation withOffload = Samples.everyKindOfSa().getFirst().toBuilder().offload(new OffloadRequest(5, false)).build();
        assertEquals(withOffload, SaMessages.decode(asMessage(SaMessages.encode(withOffload))).association());
    }

    @Test
    void cbcHmacCarriesBothKeysAndTruncation() {
        SecurityAssociation sa = Samples.everyKindOfSa().get(2);
        Attributes a = Attributes.afterHeader(ByteBuffer.wrap(SaMessages.encode(sa)).order(ByteOrder.nativeOrder()), 224);
        ByteBuffer crypt = a.first(SaMessages.XFRMA_ALG_CRYPT);
        assertEquals("cbc(aes)", XfrmStructs.algorithmName(crypt));
        assertEquals(128, crypt.getInt(64));
        assertEquals(68 + 16, crypt.remaining());
        ByteBuffer auth = a.first(SaMessages.XFRMA_ALG_AUTH_TRUNC);
        assertEquals("hmac(sha256)", XfrmStructs.algorithmName(auth));
        assertEquals(256, auth.getInt(64));
        assertEquals(128, auth.getInt(68));
        byte[] key = new byte[32];
        auth.get(72, key);
        assertArrayEquals(Samples.key(32, 4), key);
        assertNull(a.first(SaMessages.XFRMA_REPLAY_ESN_VAL), "no replay window, no ESN attribute");
    }

    @Test
    void truncatedSaMessagesAreRejectedAtEveryOffset() {
        SecurityAssociation sa = Samples.everyKindOfSa().get(4);
        byte[] full = SaMessages.encode(sa);
        int afterAead = 224 + 4 + 72 + 36; // a cut here drops the whole replay attribute: decodes, but differently
        for (int cut = 0; cut < full.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(full, cut);
            if (cut == afterAead) {
                assertEquals(0, SaMessages.decode(asMessage(part)).association().replay().window());
                continue;
            }
            try {
                SaMessages.decode(asMessage(part));
                fail("decoded an SA cut at " + cut + " of " + full.length);
            } catch (MalformedNetlinkMessageException expected) {
                // each cut either truncates the struct, an attribute, or drops the algorithm
            }
        }
    }

    @Test
    void algorithmKeyLongerThanItsAttributeIsRejected() {
        byte[] full = SaMessages.encode(Samples.everyKindOfSa().getFirst());
        ByteBuffer b = ByteBuffer.wrap(full).order(ByteOrder.nativeOrder());
        b.putInt(224 + 4 + 64, 4096); // key length in bits, far past the attribute
        assertThrows(MalformedNetlinkMessageException.class, () -> SaMessages.decode(asMessage(full)));
    }

    @Test
    void saIdIsDestinationSpiFamilyProto() {
        byte[] id = SaMessages.encodeId(new SaId(Samples.ip("10.90.0.2"), 0x1234, null));
        assertEquals(SaMessages.USERSA_ID_LEN, id.length);
        assertEquals("0a5a0002", HexFormat.of().formatHex(id, 0, 4));
        assertEquals("00001234", HexFormat.of().formatHex(id, 16, 20));
        ByteBuffer b = ByteBuffer.wrap(id).order(ByteOrder.nativeOrder());
        assertEquals(2, b.getShort(20));
        assertEquals(50, b.get(22));
    }
}
