package dev.ward.agent.encryption;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.KDF;
import javax.crypto.spec.HKDFParameterSpec;

/**
 * Derives the ESP keys between two nodes from X25519 over their epoch keys and HKDF-SHA256.
 *
 * <p>The HKDF info binds everything that distinguishes one SA from another: both node names, both epochs,
 * both public keys, the cipher and key size, and the direction. The two nodes are written in a canonical
 * order (by the unsigned bytes of their UTF-8 names) so both ends build identical bytes, and the direction is
 * a separate byte relative to that order. Binding the key size keeps a 128-bit key from being a prefix of the
 * 256-bit key for the same pair (HKDF-Expand outputs of different lengths share a prefix otherwise). Binding
 * the public keys ties the key to this exact exchange, not only to the shared secret.
 */
public final class PeerKeyDeriver {
    private static final byte[] SALT = "ward/ipsec/esp-key/v1".getBytes(StandardCharsets.US_ASCII);
    private static final int LOW_TO_HIGH = 1;
    private static final int HIGH_TO_LOW = 2;

    private final EspCipher cipher;

    public PeerKeyDeriver(EspCipher cipher) {
        this.cipher = cipher;
    }

    public EspCipher cipher() {
        return cipher;
    }

    /** Both keys of the epoch pair (local epoch, peer epoch): local->peer and peer->local. */
    public PairKeys derive(String localNode, EpochKeyPair local, String peerNode, EpochPublicKey peer) {
        byte[] localName = localNode.getBytes(StandardCharsets.UTF_8);
        byte[] peerName = peerNode.getBytes(StandardCharsets.UTF_8);
        int order = Arrays.compareUnsigned(localName, peerName);
        if (order == 0) {
            throw new IllegalArgumentException("cannot derive a key between " + localNode + " and itself");
        }
        byte[] shared = X25519.agree(local.keyPair().getPrivate(), peer.x25519());
        try {
            Party self = new Party(localName, local.epoch(), local.publicKey().x25519());
            Party other = new Party(peerName, peer.epoch(), peer.x25519());
            boolean localIsLow = order < 0;
            Party low = localIsLow ? self : other;
            Party high = localIsLow ? other : self;
            EspKey lowToHigh = expand(shared, low, high, LOW_TO_HIGH);
            EspKey highToLow = expand(shared, low, high, HIGH_TO_LOW);
            return localIsLow ? new PairKeys(lowToHigh, highToLow) : new PairKeys(highToLow, lowToHigh);
        } finally {
            Arrays.fill(shared, (byte) 0);
        }
    }

    /** The key of one SA that has the local node at one end. */
    public EspKey keyFor(PeerSaId sa, String localNode, EpochKeyPair local, EpochPublicKey peer) {
        String peerNode = sa.peerOf(localNode);
        if (sa.epochOf(localNode) != local.epoch() || sa.epochOf(peerNode) != peer.epoch()) {
            throw new IllegalArgumentException("keys of epochs " + local.epoch() + "/" + peer.epoch()
                    + " do not belong to " + sa);
        }
        PairKeys keys = derive(localNode, local, peerNode, peer);
        return sa.sender().equals(localNode) ? keys.outbound() : keys.inbound();
    }

    private EspKey expand(byte[] shared, Party low, Party high, int direction) {
        byte[] info = new CanonicalWriter()
                .bytes16(low.name).u64(low.epoch).bytes16(low.publicKey)
                .bytes16(high.name).u64(high.epoch).bytes16(high.publicKey)
                .string(EspCipher.KERNEL_ALGORITHM).u16(cipher.aesKeyBits())
                .u8(direction)
                .toByteArray();
        try {
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            byte[] material = hkdf.deriveData(HKDFParameterSpec.ofExtract()
                    .addIKM(shared).addSalt(SALT).thenExpand(info, cipher.keyMaterialBytes()));
            try {
                return new EspKey(cipher, material);
            } finally {
                Arrays.fill(material, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-SHA256 is unavailable", e);
        }
    }

    private record Party(byte[] name, long epoch, byte[] publicKey) {
    }
}
