package dev.ward.xfrm;

import dev.ward.netlink.Attributes;
import dev.ward.netlink.MalformedNetlinkMessageException;
import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.PayloadWriter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Encodes SA requests and decodes SA messages (struct xfrm_usersa_info and its attributes). */
final class SaMessages {
    static final int XFRM_MSG_NEWSA = 0x10, XFRM_MSG_DELSA = 0x11, XFRM_MSG_GETSA = 0x12, XFRM_MSG_UPDSA = 0x1a,
            XFRM_MSG_FLUSHSA = 0x1c;
    static final int USERSA_INFO_LEN = 224;
    static final int USERSA_ID_LEN = 24;

    static final int XFRMA_ALG_AUTH = 1, XFRMA_ALG_CRYPT = 2, XFRMA_SRCADDR = 13, XFRMA_ALG_AEAD = 18,
            XFRMA_ALG_AUTH_TRUNC = 20, XFRMA_MARK = 21, XFRMA_REPLAY_ESN_VAL = 23, XFRMA_OFFLOAD_DEV = 28,
            XFRMA_SET_MARK = 29, XFRMA_SET_MARK_MASK = 30, XFRMA_IF_ID = 31;
    static final int XFRM_STATE_ESN = 128;
    static final int XFRM_OFFLOAD_INBOUND = 2;

    private SaMessages() {}

    static byte[] encode(SecurityAssociation sa) {
        PayloadWriter w = new PayloadWriter();
        XfrmStructs.putSelector(w, sa.selector());
        XfrmStructs.putAddress(w, sa.destination());
        w.putBigEndianInt(sa.spi()).putU8(XfrmStructs.IPPROTO_ESP).zeros(3);
        XfrmStructs.putAddress(w, sa.source());
        XfrmStructs.putLifetime(w, sa.lifetime());
        w.zeros(XfrmStructs.LIFETIME_CUR_LEN).zeros(12);           // curlft, stats: the kernel's to fill
        w.putU32(0).putU32(sa.reqid()).putU16(sa.family()).putU8(sa.mode().code);
        ReplayProtection r = sa.replay();
        w.putU8(r.needsEsnAttribute() ? 0 : r.window());
        w.putU8(r.extendedSequenceNumbers() ? XFRM_STATE_ESN : 0).zeros(7);
        switch (sa.algorithm()) {
            case EspAlgorithm.Aead a -> {
                byte[] key = a.key();
                int at = w.beginAttribute(XFRMA_ALG_AEAD);
                w.putBytes(XfrmStructs.algorithmName(a.name())).putU32(key.length * 8).putU32(a.icvBits()).putBytes(key);
                w.endAttribute(at);
            }
            case EspAlgorithm.CipherAndAuth c -> {
                byte[] cipherKey = c.cipherKey(), authKey = c.authKey();
                int at = w.beginAttribute(XFRMA_ALG_CRYPT);
                w.putBytes(XfrmStructs.algorithmName(c.cipher())).putU32(cipherKey.length * 8).putBytes(cipherKey);
                w.endAttribute(at);
                at = w.beginAttribute(XFRMA_ALG_AUTH_TRUNC);
                w.putBytes(XfrmStructs.algorithmName(c.auth())).putU32(authKey.length * 8).putU32(c.truncationBits()).putBytes(authKey);
                w.endAttribute(at);
            }
        }
        if (r.needsEsnAttribute()) {
            int words = Math.max(1, (r.window() + 31) / 32);
            w.attribute(XFRMA_REPLAY_ESN_VAL, new PayloadWriter().putU32(words).putU32(0).putU32(0).putU32(0).putU32(0)
                    .putU32(r.window()).zeros(words * 4).toBytes());
        }
        if (sa.mark() != null) w.attribute(XFRMA_MARK, new PayloadWriter().putU32(sa.mark().value()).putU32(sa.mark().mask()).toBytes());
        if (sa.outputMark() != null) {
            w.attributeU32(XFRMA_SET_MARK, sa.outputMark().value());
            w.attributeU32(XFRMA_SET_MARK_MASK, sa.outputMark().mask());
        }
        if (sa.ifId() != 0) w.attributeU32(XFRMA_IF_ID, sa.ifId());
        if (sa.offload() != null) {
            w.attribute(XFRMA_OFFLOAD_DEV, new PayloadWriter().putU32(sa.offload().ifindex())
                    .putU8(sa.offload().inbound() ? XFRM_OFFLOAD_INBOUND : 0).zeros(3).toBytes());
        }
        return w.toBytes();
    }

    /** struct xfrm_usersa_id (+ mark), for get and delete. */
    static byte[] encodeId(SaId id) {
        PayloadWriter w = new PayloadWriter();
        XfrmStructs.putAddress(w, id.destination());
        w.putBigEndianInt(id.spi()).putU16(dev.ward.netlink.IpPrefix.familyOf(id.destination()))
                .putU8(XfrmStructs.IPPROTO_ESP).zeros(1);
        if (id.mark() != null) w.attribute(XFRMA_MARK, new PayloadWriter().putU32(id.mark().value()).putU32(id.mark().mask()).toBytes());
        return w.toBytes();
    }

    static byte[] encodeFlush() {
        return new PayloadWriter().putU8(XfrmStructs.IPSEC_PROTO_ANY).zeros(3).toBytes();
    }

    static InstalledSa decode(NetlinkMessage m) {
        return decode(m.payload(), USERSA_INFO_LEN);
    }

    /** Decodes a usersa_info at the start of {@code p} whose attributes begin after {@code headerLen} bytes. */
    static InstalledSa decode(ByteBuffer p, int headerLen) {
        XfrmStructs.require(p, headerLen, "xfrm_usersa_info");
        ByteBuffer b = p.duplicate().order(ByteOrder.nativeOrder());
        int family = Short.toUnsignedInt(b.getShort(212));
        var dst = XfrmStructs.address(b, 56, family);
        int spi = b.duplicate().order(ByteOrder.BIG_ENDIAN).getInt(72);
        var src = XfrmStructs.address(b, 80, family);
        Selector sel = XfrmStructs.selector(b, 0, family);
        Lifetime lft = XfrmStructs.lifetime(b, 96);
        SaCounters counters = counters(b);
        int reqid = b.getInt(208);
        XfrmMode mode = XfrmMode.of(Byte.toUnsignedInt(b.get(214)));
        int legacyWindow = Byte.toUnsignedInt(b.get(215));
        boolean esn = (Byte.toUnsignedInt(b.get(216)) & XFRM_STATE_ESN) != 0;

        Attributes a = Attributes.afterHeader(p, headerLen);
        ByteBuffer esnState = a.first(XFRMA_REPLAY_ESN_VAL);
        int window = esnState != null && esnState.remaining() >= 24 ? esnState.getInt(20) : legacyWindow;
        return new InstalledSa(new SecurityAssociation(src, dst, spi, mode, reqid, algorithm(a), new ReplayProtection(window, esn),
                sel, mark(a), outputMark(a), orZero(a.u32(XFRMA_IF_ID)), lft, offload(a)), counters);
    }

    /** The part of an SA an expire notification carries: identity and counters (no algorithm, no keys). */
    static XfrmEvent.SaExpired decodeExpire(ByteBuffer p, int headerLen, boolean hard) {
        XfrmStructs.require(p, headerLen, "xfrm_user_expire");
        ByteBuffer b = p.duplicate().order(ByteOrder.nativeOrder());
        int family = Short.toUnsignedInt(b.getShort(212));
        Attributes a = Attributes.afterHeader(p, headerLen);
        SaId id = new SaId(XfrmStructs.address(b, 56, family), b.duplicate().order(ByteOrder.BIG_ENDIAN).getInt(72), mark(a));
        return new XfrmEvent.SaExpired(id, XfrmStructs.address(b, 80, family), b.getInt(208), counters(b), hard);
    }

    private static SaCounters counters(ByteBuffer b) {
        return new SaCounters(b.getLong(160), b.getLong(168), b.getLong(176), b.getLong(184),
                Integer.toUnsignedLong(b.getInt(192)), Integer.toUnsignedLong(b.getInt(196)), Integer.toUnsignedLong(b.getInt(200)));
    }

    private static EspAlgorithm algorithm(Attributes a) {
        ByteBuffer aead = a.first(XFRMA_ALG_AEAD);
        if (aead != null) {
            XfrmStructs.require(aead, 72, "xfrm_algo_aead");
            return new EspAlgorithm.Aead(XfrmStructs.algorithmName(aead), key(aead, 72, aead.getInt(64)), aead.getInt(68));
        }
        ByteBuffer crypt = a.first(XFRMA_ALG_CRYPT);
        ByteBuffer auth = a.first(XFRMA_ALG_AUTH_TRUNC);
        if (crypt == null || auth == null) {
            throw new MalformedNetlinkMessageException("SA without AEAD and without cipher+authentication (not ESP?)");
        }
        XfrmStructs.require(crypt, 68, "xfrm_algo");
        XfrmStructs.require(auth, 72, "xfrm_algo_auth");
        return new EspAlgorithm.CipherAndAuth(XfrmStructs.algorithmName(crypt), key(crypt, 68, crypt.getInt(64)),
                XfrmStructs.algorithmName(auth), key(auth, 72, auth.getInt(64)), auth.getInt(68));
    }

    private static byte[] key(ByteBuffer b, int at, int bits) {
        int len = (bits + 7) / 8;
        XfrmStructs.require(b, at + len, "algorithm key");
        byte[] k = new byte[len];
        b.get(at, k);
        return k;
    }

    static Mark mark(Attributes a) {
        ByteBuffer m = a.first(XFRMA_MARK);
        if (m == null) return null;
        XfrmStructs.require(m, 8, "xfrm_mark");
        return new Mark(m.getInt(0), m.getInt(4));
    }

    private static Mark outputMark(Attributes a) {
        Integer v = a.u32(XFRMA_SET_MARK);
        if (v == null) return null;
        Integer mask = a.u32(XFRMA_SET_MARK_MASK);
        return new Mark(v, mask == null ? 0xffffffff : mask);
    }

    private static OffloadRequest offload(Attributes a) {
        ByteBuffer o = a.first(XFRMA_OFFLOAD_DEV);
        if (o == null) return null;
        XfrmStructs.require(o, 5, "xfrm_user_offload");
        return new OffloadRequest(o.getInt(0), (o.get(4) & XFRM_OFFLOAD_INBOUND) != 0);
    }

    static int orZero(Integer v) {
        return v == null ? 0 : v;
    }
}
