package dev.ward.agent.encryption;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * An announcement with the node's SVID chain (leaf first) and an ECDSA P-256 signature by the SVID key over
 * the announcement's canonical encoding ({@link AnnouncementCodec#encode}).
 */
public record SignedNodeAnnouncement(NodeAnnouncement announcement, List<X509Certificate> svidChain, byte[] signature) {
    public static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    public static final int MAX_CHAIN_LENGTH = 8;

    public SignedNodeAnnouncement {
        svidChain = List.copyOf(svidChain);
        if (svidChain.isEmpty() || svidChain.size() > MAX_CHAIN_LENGTH) {
            throw new IllegalArgumentException("an SVID chain has 1.." + MAX_CHAIN_LENGTH + " certificates, got " + svidChain.size());
        }
        signature = signature.clone();
    }

    public static SignedNodeAnnouncement sign(NodeAnnouncement announcement, List<X509Certificate> svidChain, PrivateKey svidKey) {
        try {
            Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
            signer.initSign(svidKey);
            signer.update(AnnouncementCodec.encode(announcement));
            return new SignedNodeAnnouncement(announcement, svidChain, signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign the announcement of " + announcement.node()
                    + " with a " + svidKey.getAlgorithm() + " key: " + e.getMessage(), e);
        }
    }

    public X509Certificate leaf() {
        return svidChain.getFirst();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SignedNodeAnnouncement that && that.announcement.equals(announcement)
                && that.svidChain.equals(svidChain) && Arrays.equals(that.signature, signature);
    }

    @Override
    public int hashCode() {
        return announcement.hashCode() * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "SignedNodeAnnouncement[" + announcement.node() + " epoch " + announcement.epoch()
                + " revision " + announcement.revision() + "]";
    }
}
