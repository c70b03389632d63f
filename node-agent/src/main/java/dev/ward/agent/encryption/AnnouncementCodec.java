package dev.ward.agent.encryption;

import dev.ward.pki.NodeNames;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The canonical binary form of announcements: what is signed, and the compact wire form of a signed one.
 *
 * <p>Decoding accepts exactly the bytes {@link #encode} produces for some value: one encoding per value, so a
 * signature can be checked over the re-encoded value no matter which form (binary or JSON) carried it. Every
 * error names the field and byte offset; list lengths are not trusted for allocation, only the input size.
 */
public final class AnnouncementCodec {
    private static final byte[] BODY_MAGIC = "WARDNA".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SIGNED_MAGIC = "WARDSA".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private AnnouncementCodec() {
    }

    public static byte[] encode(NodeAnnouncement announcement) {
        CanonicalWriter out = new CanonicalWriter().fixed(BODY_MAGIC).u8(VERSION).string(announcement.node());
        out.u8(announcement.underlay().size());
        for (InetAddress address : announcement.underlay()) {
            out.bytes16(address.getAddress());
        }
        out.u8(announcement.podCidrs().size());
        for (Cidr cidr : announcement.podCidrs()) {
            out.bytes16(cidr.network().getAddress()).u8(cidr.prefixLength());
        }
        out.u64(announcement.epoch()).fixed(announcement.key().x25519()).u64(announcement.revision());
        out.u32(announcement.acknowledgements().size());
        for (Acknowledgement ack : announcement.acknowledgements()) {
            out.string(ack.peer()).u64(ack.peerEpoch()).u64(ack.ownEpoch()).u32(ack.spi().value());
        }
        out.u32(announcement.sending().size());
        for (OutboundInUse use : announcement.sending()) {
            out.string(use.peer()).u64(use.ownEpoch()).u64(use.peerEpoch()).u32(use.spi().value());
        }
        return out.toByteArray();
    }

    public static NodeAnnouncement decode(byte[] bytes) {
        CanonicalReader in = new CanonicalReader(bytes);
        NodeAnnouncement announcement = readBody(in);
        in.requireEnd("announcement");
        return announcement;
    }

    public static byte[] encodeSigned(SignedNodeAnnouncement signed) {
        CanonicalWriter out = new CanonicalWriter().fixed(SIGNED_MAGIC).u8(VERSION)
                .bytes32(encode(signed.announcement()));
        out.u8(signed.svidChain().size());
        for (X509Certificate certificate : signed.svidChain()) {
            try {
                out.bytes32(certificate.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("SVID certificate cannot be encoded", e);
            }
        }
        return out.bytes16(signed.signature()).toByteArray();
    }

    public static SignedNodeAnnouncement decodeSigned(byte[] bytes) {
        CanonicalReader in = new CanonicalReader(bytes);
        expectMagic(in, SIGNED_MAGIC, "signed announcement");
        CanonicalReader body = in.nested("announcement");
        NodeAnnouncement announcement = readBody(body);
        body.requireEnd("announcement");
        int countAt = in.position();
        int count = in.u8("svidChain count");
        if (count < 1 || count > SignedNodeAnnouncement.MAX_CHAIN_LENGTH) {
            throw new MalformedEncodingException("svidChain count", countAt,
                    "is " + count + ", must be 1.." + SignedNodeAnnouncement.MAX_CHAIN_LENGTH);
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String field = "svidChain[" + i + "]";
            int at = in.position();
            byte[] der = in.bytes32(field);
            try {
                chain.add(certificate(der));
            } catch (IllegalArgumentException e) {
                throw new MalformedEncodingException(field, at, e.getMessage());
            }
        }
        byte[] signature = in.bytes16("signature");
        in.requireEnd("signed announcement");
        return new SignedNodeAnnouncement(announcement, chain, signature);
    }

    /** Exactly one DER certificate; the JDK factory alone would also take PEM or ignore trailing bytes. */
    static X509Certificate certificate(byte[] der) {
        try {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            if (!Arrays.equals(certificate.getEncoded(), der)) {
                throw new IllegalArgumentException("is not exactly one DER certificate");
            }
            return certificate;
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("is not a DER X.509 certificate: " + e.getMessage());
        }
    }

    private static NodeAnnouncement readBody(CanonicalReader in) {
        int bodyStart = in.position();
        expectMagic(in, BODY_MAGIC, "announcement");
        int at = in.position();
        String node = in.string("node");
        check("node", at, () -> NodeNames.require(node, "node name"));

        at = in.position();
        int underlayCount = in.u8("underlay count");
        requireCount("underlay count", at, underlayCount, 1);
        List<InetAddress> underlay = new ArrayList<>();
        for (int i = 0; i < underlayCount; i++) {
            String field = "underlay[" + i + "]";
            int fieldAt = in.position();
            byte[] raw = in.bytes16(field);
            underlay.add(check(field, fieldAt, () -> Cidr.fromBytes(raw)));
        }

        at = in.position();
        int podCount = in.u8("podCidrs count");
        requireCount("podCidrs count", at, podCount, 0);
        List<Cidr> podCidrs = new ArrayList<>();
        for (int i = 0; i < podCount; i++) {
            String field = "podCidrs[" + i + "]";
            int fieldAt = in.position();
            byte[] raw = in.bytes16(field);
            int prefix = in.u8(field + " prefix length");
            podCidrs.add(check(field, fieldAt, () -> new Cidr(Cidr.fromBytes(raw), prefix)));
        }

        int epochAt = in.position();
        long epoch = in.u64("epoch");
        byte[] publicKey = in.fixed("publicKey", X25519.KEY_BYTES);
        EpochPublicKey key = check("epoch", epochAt, () -> new EpochPublicKey(epoch, publicKey));
        long revision = in.u64("revision");

        List<Acknowledgement> acks = new ArrayList<>();
        long ackCount = in.u32("acknowledgements count");
        Acknowledgement previousAck = null;
        for (long i = 0; i < ackCount; i++) {
            String field = "acknowledgements[" + i + "]";
            int fieldAt = in.position();
            String peer = in.string(field + ".peer");
            long peerEpoch = in.u64(field + ".peerEpoch");
            long ownEpoch = in.u64(field + ".ownEpoch");
            long spi = in.u32(field + ".spi");
            requireOther(node, peer, field, fieldAt);
            Acknowledgement ack = check(field, fieldAt, () -> new Acknowledgement(peer, peerEpoch, ownEpoch, new Spi(spi)));
            if (previousAck != null && Acknowledgement.ORDER.compare(previousAck, ack) >= 0) {
                throw new MalformedEncodingException(field, fieldAt, "is not after " + previousAck
                        + " (entries must be sorted by peer, own epoch, peer epoch and unique)");
            }
            previousAck = ack;
            acks.add(ack);
        }

        List<OutboundInUse> sending = new ArrayList<>();
        long sendingCount = in.u32("sending count");
        String previous = null;
        for (long i = 0; i < sendingCount; i++) {
            String field = "sending[" + i + "]";
            int fieldAt = in.position();
            String peer = in.string(field + ".peer");
            long ownEpoch = in.u64(field + ".ownEpoch");
            long peerEpoch = in.u64(field + ".peerEpoch");
            long spi = in.u32(field + ".spi");
            requireOther(node, peer, field, fieldAt);
            if (previous != null && previous.compareTo(peer) >= 0) {
                throw new MalformedEncodingException(field, fieldAt,
                        "peer \"" + peer + "\" is not after \"" + previous + "\" (entries must be sorted and unique)");
            }
            previous = peer;
            sending.add(check(field, fieldAt, () -> new OutboundInUse(peer, ownEpoch, peerEpoch, new Spi(spi))));
        }
        return check("announcement", bodyStart,
                () -> new NodeAnnouncement(node, underlay, podCidrs, key, revision, acks, sending));
    }

    private static void requireCount(String field, int offset, int count, int min) {
        if (count < min || count > NodeAnnouncement.MAX_ADDRESSES) {
            throw new MalformedEncodingException(field, offset,
                    "is " + count + ", must be " + min + ".." + NodeAnnouncement.MAX_ADDRESSES);
        }
    }

    private static void requireOther(String node, String peer, String field, int offset) {
        if (peer.equals(node)) {
            throw new MalformedEncodingException(field, offset, "names the announcing node itself");
        }
    }

    private static void expectMagic(CanonicalReader in, byte[] magic, String what) {
        byte[] found = in.fixed(what + " magic", magic.length);
        if (!Arrays.equals(found, magic)) {
            throw new MalformedEncodingException(what + " magic", in.position() - magic.length, "is not \"" + new String(magic, StandardCharsets.US_ASCII) + "\"");
        }
        int version = in.u8(what + " version");
        if (version != VERSION) {
            throw new MalformedEncodingException(what + " version", in.position() - 1, "is " + version + ", this agent reads version " + VERSION);
        }
    }

    private static <T> T check(String field, int offset, Supplier<T> build) {
        try {
            return build.get();
        } catch (MalformedEncodingException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new MalformedEncodingException(field, offset, "is invalid: " + e.getMessage());
        }
    }
}
