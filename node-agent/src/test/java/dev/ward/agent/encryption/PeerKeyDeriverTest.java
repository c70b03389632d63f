package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PeerKeyDeriverTest {
    private static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest
    @EnumSource(EspCipher.class)
    void bothEndsDeriveTheSameKeyForEachDirection(EspCipher cipher) {
        PeerKeyDeriver deriver = new PeerKeyDeriver(cipher);
        EpochKeyPair a = EpochKeyPair.generate(3);
        EpochKeyPair b = EpochKeyPair.generate(7);

        PairKeys atA = deriver.derive("node-a", a, "node-b", b.publicKey());
        PairKeys atB = deriver.derive("node-b", b, "node-a", a.publicKey());

        assertEquals(atA.outbound(), atB.inbound(), "A->B");
        assertEquals(atA.inbound(), atB.outbound(), "B->A");
        assertNotEquals(atA.outbound(), atA.inbound(), "the two directions must not share a key");
        assertEquals(cipher.keyMaterialBytes(), atA.outbound().material().length);
    }

    @Test
    void keyForAnSaAgreesAtBothEnds() {
        PeerKeyDeriver deriver = new PeerKeyDeriver(EspCipher.AES_128_GCM);
        EpochKeyPair a = EpochKeyPair.generate(2);
        EpochKeyPair b = EpochKeyPair.generate(5);
        PeerSaId aToB = new PeerSaId("a", 2, "b", 5);
        PeerSaId bToA = new PeerSaId("b", 5, "a", 2);

        assertEquals(deriver.keyFor(aToB, "a", a, b.publicKey()), deriver.keyFor(aToB, "b", b, a.publicKey()));
        assertEquals(deriver.keyFor(bToA, "a", a, b.publicKey()), deriver.keyFor(bToA, "b", b, a.publicKey()));
        assertNotEquals(deriver.keyFor(aToB, "a", a, b.publicKey()), deriver.keyFor(bToA, "a", a, b.publicKey()));
        var wrongEpoch = assertThrows(IllegalArgumentException.class,
                () -> deriver.keyFor(new PeerSaId("a", 3, "b", 5), "a", a, b.publicKey()));
        assertTrue(wrongEpoch.getMessage().contains("a#3->b#5"), wrongEpoch.getMessage());
    }

    @Test
    void everyInputChangesTheKey() {
        PeerKeyDeriver deriver = new PeerKeyDeriver(EspCipher.AES_128_GCM);
        EpochKeyPair a = EpochKeyPair.generate(1);
        EpochKeyPair b = EpochKeyPair.generate(1);
        EspKey base = deriver.derive("a", a, "b", b.publicKey()).outbound();

        Set<EspKey> variants = new HashSet<>();
        variants.add(base);
        variants.add(deriver.derive("a", a, "b", b.publicKey()).inbound());                          // direction
        variants.add(deriver.derive("a2", a, "b", b.publicKey()).outbound());                        // local name
        variants.add(deriver.derive("a", a, "b2", b.publicKey()).outbound());                        // peer name
        variants.add(deriver.derive("a", new EpochKeyPair(2, a.keyPair()), "b", b.publicKey()).outbound()); // local epoch
        variants.add(deriver.derive("a", a, "b", new EpochPublicKey(2, b.publicKey().x25519())).outbound()); // peer epoch
        variants.add(deriver.derive("a", a, "b", EpochKeyPair.generate(1).publicKey()).outbound());  // peer key
        variants.add(deriver.derive("a", EpochKeyPair.generate(1), "b", b.publicKey()).outbound());  // local key
        // Names that only differ in how the bytes split between them must not collide.
        variants.add(deriver.derive("ab", a, "c", b.publicKey()).outbound());
        variants.add(deriver.derive("a", a, "bc", b.publicKey()).outbound());

        assertEquals(10, variants.size(), "each changed input must give a different key");
    }

    @Test
    void aes128KeyIsNotAPrefixOfTheAes256Key() {
        EpochKeyPair a = EpochKeyPair.generate(1);
        EpochKeyPair b = EpochKeyPair.generate(1);
        byte[] short128 = new PeerKeyDeriver(EspCipher.AES_128_GCM).derive("a", a, "b", b.publicKey()).outbound().material();
        byte[] long256 = new PeerKeyDeriver(EspCipher.AES_256_GCM).derive("a", a, "b", b.publicKey()).outbound().material();
        assertEquals(20, short128.length);
        assertEquals(36, long256.length);
        assertNotEquals(HEX.formatHex(short128), HEX.formatHex(Arrays.copyOf(long256, 20)));
    }

    @Test
    void noTwoNodePairsShareAKeyAcrossAMesh() {
        PeerKeyDeriver deriver = new PeerKeyDeriver(EspCipher.AES_128_GCM);
        Random random = new Random(42);
        int nodes = 150;
        List<String> names = new ArrayList<>();
        List<EpochKeyPair> keys = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            names.add("node-" + Long.toHexString(random.nextLong()));
            keys.add(EpochKeyPair.generate(1 + random.nextInt(3)));
        }
        Set<EspKey> seen = new HashSet<>();
        int derived = 0;
        for (int i = 0; i < nodes; i++) {
            for (int j = i + 1; j < nodes; j++) {
                PairKeys pair = deriver.derive(names.get(i), keys.get(i), names.get(j), keys.get(j).publicKey());
                assertTrue(seen.add(pair.outbound()), () -> "key reused for another SA");
                assertTrue(seen.add(pair.inbound()), () -> "key reused for another SA");
                derived += 2;
            }
        }
        assertEquals(nodes * (nodes - 1), derived);
    }

    @Test
    void knownAnswerVector() {
        EpochKeyPair alice = TestKeys.alice(1);
        EpochKeyPair bob = TestKeys.bob(2);
        assertEquals(TestKeys.SHARED, HEX.formatHex(X25519.agree(alice.keyPair().getPrivate(), bob.publicKey().x25519())));

        PairKeys k128 = new PeerKeyDeriver(EspCipher.AES_128_GCM).derive("node-a", alice, "node-b", bob.publicKey());
        PairKeys k256 = new PeerKeyDeriver(EspCipher.AES_256_GCM).derive("node-a", alice, "node-b", bob.publicKey());

        // Pinned outputs: a change here breaks every mixed-version cluster, so it must be deliberate.
        assertEquals(KAT_128_A_TO_B, HEX.formatHex(k128.outbound().material()));
        assertEquals(KAT_128_B_TO_A, HEX.formatHex(k128.inbound().material()));
        assertEquals(KAT_256_A_TO_B, HEX.formatHex(k256.outbound().material()));
        assertEquals(KAT_256_B_TO_A, HEX.formatHex(k256.inbound().material()));
    }

    private static final String KAT_128_A_TO_B = "2db62929005794cccc43291454dce9ee7e6837f2";
    private static final String KAT_128_B_TO_A = "064fba906b9d8272be259300673e89f436ac2783";
    private static final String KAT_256_A_TO_B = "c64cf722f4e6792f346eacdd9097ad7d45b31c3b1da149b428006ed2f4a036d90b2e53ed";
    private static final String KAT_256_B_TO_A = "aed5f973b38f8264945cba37435e35aafe69f2554ad1e50332d56120f3b3899afd7d3269";

    /** Recomputes the documented layout with a plain HMAC-SHA256 HKDF, independent of the JDK's KDF class. */
    @Test
    void matchesTheDocumentedDerivation() throws Exception {
        EpochKeyPair alice = TestKeys.alice(1);
        EpochKeyPair bob = TestKeys.bob(2);
        byte[] shared = HEX.parseHex(TestKeys.SHARED);
        // "node-a" sorts before "node-b", so node-a is the low party and A->B is direction 1.
        byte[] info = info("node-a", 1, HEX.parseHex(TestKeys.ALICE_PUBLIC), "node-b", 2, HEX.parseHex(TestKeys.BOB_PUBLIC), 128, 1);
        byte[] expected = hkdf(shared, "ward/ipsec/esp-key/v1".getBytes(StandardCharsets.US_ASCII), info, 20);

        PairKeys atBob = new PeerKeyDeriver(EspCipher.AES_128_GCM).derive("node-b", bob, "node-a", alice.publicKey());
        assertArrayEquals(expected, atBob.inbound().material());
    }

    @Test
    void rejectsSmallOrderPeerKeyAndSelfPairs() {
        PeerKeyDeriver deriver = new PeerKeyDeriver(EspCipher.AES_128_GCM);
        EpochKeyPair a = EpochKeyPair.generate(1);
        var zero = new EpochPublicKey(1, new byte[32]);
        var error = assertThrows(IllegalArgumentException.class, () -> deriver.derive("a", a, "b", zero));
        assertTrue(error.getMessage().contains("peer X25519 public key is unusable"), error.getMessage());
        var self = assertThrows(IllegalArgumentException.class, () -> deriver.derive("a", a, "a", a.publicKey()));
        assertTrue(self.getMessage().contains("itself"), self.getMessage());
    }

    private static byte[] info(String low, long lowEpoch, byte[] lowKey, String high, long highEpoch, byte[] highKey,
                               int keyBits, int direction) {
        var out = new java.io.ByteArrayOutputStream();
        for (Object[] party : new Object[][] {{low, lowEpoch, lowKey}, {high, highEpoch, highKey}}) {
            byte[] name = ((String) party[0]).getBytes(StandardCharsets.UTF_8);
            out.write(name.length >> 8);
            out.write(name.length);
            out.writeBytes(name);
            out.writeBytes(java.nio.ByteBuffer.allocate(8).putLong((Long) party[1]).array());
            byte[] key = (byte[]) party[2];
            out.write(0);
            out.write(key.length);
            out.writeBytes(key);
        }
        byte[] alg = "rfc4106(gcm(aes))".getBytes(StandardCharsets.US_ASCII);
        out.write(0);
        out.write(alg.length);
        out.writeBytes(alg);
        out.write(keyBits >> 8);
        out.write(keyBits);
        out.write(direction);
        return out.toByteArray();
    }

    private static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt, "HmacSHA256"));
        byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(info);
        mac.update((byte) 1);
        return Arrays.copyOf(mac.doFinal(), length);
    }
}
