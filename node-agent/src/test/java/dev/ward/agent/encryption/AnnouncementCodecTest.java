package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AnnouncementCodecTest {
    private static final TestPki PKI = new TestPki("codec-ca");

    @Test
    void roundTripsTheAnnouncementAndTheSignedForm() {
        NodeAnnouncement announcement = Announcements.sample("node-a", 5, 2);
        assertEquals(announcement, AnnouncementCodec.decode(AnnouncementCodec.encode(announcement)));

        SignedNodeAnnouncement signed = signed(announcement);
        byte[] wire = AnnouncementCodec.encodeSigned(signed);
        assertEquals(signed, AnnouncementCodec.decodeSigned(wire));
        assertArrayEquals(wire, AnnouncementCodec.encodeSigned(AnnouncementCodec.decodeSigned(wire)));
    }

    @Test
    void theEncodingDependsOnlyOnTheValue() {
        NodeAnnouncement a = Announcements.sample("node-a", 5, 2);
        NodeAnnouncement reordered = new NodeAnnouncement(a.node(), a.underlay(), a.podCidrs(), a.key(), a.revision(),
                a.acknowledgements().reversed(), a.sending());
        assertArrayEquals(AnnouncementCodec.encode(a), AnnouncementCodec.encode(reordered));
    }

    /** Input split at every byte, as a stream reader would see it: each prefix fails cleanly, naming a field. */
    @Test
    void everyTruncationFailsWithAFieldAndOffset() {
        byte[] body = AnnouncementCodec.encode(Announcements.sample("node-a", 5, 2));
        for (int length = 0; length < body.length; length++) {
            byte[] prefix = Arrays.copyOf(body, length);
            var error = assertThrows(MalformedEncodingException.class, () -> AnnouncementCodec.decode(prefix), "prefix " + length);
            assertTrue(error.offset() >= 0 && error.offset() <= length, error.getMessage());
        }
        byte[] wire = AnnouncementCodec.encodeSigned(signed(Announcements.sample("node-a", 5, 2)));
        for (int length = 0; length < wire.length; length++) {
            byte[] prefix = Arrays.copyOf(wire, length);
            assertThrows(MalformedEncodingException.class, () -> AnnouncementCodec.decodeSigned(prefix), "prefix " + length);
        }
    }

    /**
     * Every single-byte corruption either fails with a precise error or decodes to a value that encodes back to
     * exactly the corrupted bytes: there is never a second encoding of a value, and never an unchecked crash.
     */
    @Test
    void corruptedBytesFailCleanlyOrDecodeCanonically() {
        byte[] wire = AnnouncementCodec.encodeSigned(signed(Announcements.sample("node-a", 5, 2)));
        Random random = new Random(11);
        for (int position = 0; position < wire.length; position++) {
            for (int trial = 0; trial < 3; trial++) {
                byte[] corrupt = wire.clone();
                corrupt[position] ^= (byte) (1 + random.nextInt(255));
                assertCleanOrCanonical(corrupt);
            }
        }
        for (int trial = 0; trial < 2000; trial++) {
            byte[] garbage = new byte[random.nextInt(200)];
            random.nextBytes(garbage);
            if (trial % 2 == 0 && garbage.length >= 7) {
                System.arraycopy("WARDSA\u0001".getBytes(StandardCharsets.ISO_8859_1), 0, garbage, 0, 7);
            }
            assertCleanOrCanonical(garbage);
        }
    }

    @Test
    void namesTheFieldOfCommonMistakes() {
        NodeAnnouncement a = Announcements.sample("node-a", 5, 2);
        byte[] good = AnnouncementCodec.encode(a);

        assertError(replace(good, 0, "XARDNA"), "announcement magic at byte 0");
        byte[] version = good.clone();
        version[6] = 2;
        assertError(version, "announcement version at byte 6 is 2");
        assertError(concat(good, new byte[] {0}), "has 1 trailing bytes");

        assertError(body(w -> w.string("Node_A")), "node at byte 7 is invalid");
        assertError(body(w -> w.string("node-a").u8(1).bytes16(new byte[5])), "underlay[0]");
        assertError(body(w -> w.string("node-a").u8(0)), "underlay count at byte 15 is 0, must be 1..16");
        assertError(body(w -> w.string("node-a").u8(1).bytes16(new byte[] {10, 0, 0, 1})
                .u8(1).bytes16(new byte[] {10, (byte) 244, 1, 1}).u8(24)), "podCidrs[0]");
        assertError(validUpToKeys().u64(0).fixed(new byte[32]).u64(1).u32(0).u32(0).toByteArray(), "epoch");
        assertError(validUpToKeys().u64(1).fixed(new byte[32]).u64(1)
                .u32(2).string("node-c").u64(1).u64(1).u32(300).string("node-b").u64(1).u64(1).u32(301).u32(0).toByteArray(),
                "acknowledgements[1] at byte ", "is not after Acknowledgement[peer=node-c");
        assertError(validUpToKeys().u64(1).fixed(new byte[32]).u64(1)
                .u32(2).string("node-b").u64(2).u64(1).u32(300).string("node-b").u64(2).u64(1).u32(301).u32(0).toByteArray(),
                "acknowledgements[1]", "sorted by peer, own epoch, peer epoch and unique");
        assertError(validUpToKeys().u64(1).fixed(new byte[32]).u64(1)
                .u32(1).string("node-b").u64(1).u64(1).u32(255).u32(0).toByteArray(), "acknowledgements[0]", "SPI 0xff");
        assertError(validUpToKeys().u64(1).fixed(new byte[32]).u64(1)
                .u32(3).string("node-b").u64(1).u64(1).u32(300).u32(0).toByteArray(), "acknowledgements[1].peerEpoch", "needs 8 bytes but only 2 remain");
        assertError(validUpToKeys().u64(1).fixed(new byte[32]).u64(1)
                .u32(0).u32(1).string("node-a").u64(1).u64(1).u32(300).toByteArray(), "sending[0]", "names the announcing node itself");
        assertError(body(w -> w.bytes16(new byte[] {(byte) 0xC3, 0x28})), "node at byte 7 is not valid UTF-8");
        assertError(body(w -> w.string("node-a").u8(1)
                .bytes16(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1})), "IPv4-mapped");
    }

    @Test
    void aChainCountOrCertificateThatIsWrongIsNamed() {
        SignedNodeAnnouncement signed = signed(Announcements.sample("node-a", 5, 2));
        byte[] body = AnnouncementCodec.encode(signed.announcement());
        byte[] noChain = new CanonicalWriter().fixed("WARDSA".getBytes(StandardCharsets.US_ASCII)).u8(1)
                .bytes32(body).u8(0).bytes16(new byte[8]).toByteArray();
        assertErrorSigned(noChain, "svidChain count", "is 0");
        byte[] notACertificate = new CanonicalWriter().fixed("WARDSA".getBytes(StandardCharsets.US_ASCII)).u8(1)
                .bytes32(body).u8(1).bytes32(new byte[] {0x30, 0x03, 1, 2, 3}).bytes16(new byte[8]).toByteArray();
        assertErrorSigned(notACertificate, "svidChain[0] at byte " + (7 + 4 + body.length + 1), "not a DER X.509 certificate");
    }

    private static void assertCleanOrCanonical(byte[] input) {
        SignedNodeAnnouncement decoded;
        try {
            decoded = AnnouncementCodec.decodeSigned(input);
        } catch (MalformedEncodingException expected) {
            return;
        } catch (RuntimeException other) {
            fail("unexpected " + other + " for " + java.util.HexFormat.of().formatHex(input), other);
            return;
        }
        assertArrayEquals(input, AnnouncementCodec.encodeSigned(decoded));
    }

    private static SignedNodeAnnouncement signed(NodeAnnouncement announcement) {
        TestPki.Svid svid = PKI.issueNode(announcement.node());
        return SignedNodeAnnouncement.sign(announcement, svid.chain(), svid.key().getPrivate());
    }

    private static CanonicalWriter validUpToKeys() {
        return new CanonicalWriter().fixed("WARDNA".getBytes(StandardCharsets.US_ASCII)).u8(1).string("node-a")
                .u8(1).bytes16(new byte[] {10, 0, 0, 1}).u8(1).bytes16(new byte[] {10, (byte) 244, 1, 0}).u8(24);
    }

    private static byte[] body(java.util.function.Consumer<CanonicalWriter> fields) {
        CanonicalWriter writer = new CanonicalWriter().fixed("WARDNA".getBytes(StandardCharsets.US_ASCII)).u8(1);
        fields.accept(writer);
        return writer.toByteArray();
    }

    private static void assertError(byte[] input, String... fragments) {
        var error = assertThrows(MalformedEncodingException.class, () -> AnnouncementCodec.decode(input));
        for (String fragment : fragments) {
            assertTrue(error.getMessage().contains(fragment), "\"" + error.getMessage() + "\" lacks \"" + fragment + "\"");
        }
    }

    private static void assertErrorSigned(byte[] input, String... fragments) {
        var error = assertThrows(MalformedEncodingException.class, () -> AnnouncementCodec.decodeSigned(input));
        for (String fragment : fragments) {
            assertTrue(error.getMessage().contains(fragment), "\"" + error.getMessage() + "\" lacks \"" + fragment + "\"");
        }
    }

    private static byte[] replace(byte[] input, int at, String ascii) {
        byte[] copy = input.clone();
        byte[] bytes = ascii.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, copy, at, bytes.length);
        return copy;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
