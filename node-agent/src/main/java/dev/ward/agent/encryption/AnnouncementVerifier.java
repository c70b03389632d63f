package dev.ward.agent.encryption;

import dev.ward.agent.encryption.AnnouncementRejectedException.Reason;
import dev.ward.pki.NodeIdentity;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;

/**
 * Decides whether a signed announcement really comes from the node it names: the chain passes the cluster's
 * verifier, the leaf's SPIFFE ID is {@code spiffe://<trust-domain>/ward/node/<node>}, and the leaf's ECDSA P-256
 * key signed the announcement's canonical encoding. Freshness is {@link AnnouncementFreshness}'s job.
 */
public final class AnnouncementVerifier {
    // Order of the P-256 base point: identifies the curve without relying on provider-specific names.
    private static final BigInteger P256_ORDER =
            new BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);

    private final String trustDomain;
    private final SvidChainVerifier chainVerifier;

    public AnnouncementVerifier(String trustDomain, SvidChainVerifier chainVerifier) {
        this.trustDomain = trustDomain;
        this.chainVerifier = chainVerifier;
    }

    public NodeAnnouncement verify(SignedNodeAnnouncement signed) throws AnnouncementRejectedException {
        NodeAnnouncement announcement = signed.announcement();
        String node = announcement.node();
        try {
            chainVerifier.verify(signed.svidChain());
        } catch (CertificateException e) {
            throw new AnnouncementRejectedException(Reason.UNTRUSTED_CHAIN, node, e.getMessage());
        }
        X509Certificate leaf = signed.leaf();
        NodeIdentity expected = NodeIdentity.of(trustDomain, node);
        NodeIdentity actual;
        try {
            actual = NodeIdentity.ofCertificate(leaf);
        } catch (IllegalArgumentException e) {
            throw new AnnouncementRejectedException(Reason.WRONG_IDENTITY, node, e.getMessage());
        }
        if (!actual.equals(expected)) {
            throw new AnnouncementRejectedException(Reason.WRONG_IDENTITY, node,
                    "the SVID is for " + actual + ", expected " + expected);
        }
        if (leaf.getBasicConstraints() != -1) {
            throw new AnnouncementRejectedException(Reason.WRONG_IDENTITY, node, "the leaf certificate is a CA");
        }
        if (!(leaf.getPublicKey() instanceof ECPublicKey ec) || !ec.getParams().getOrder().equals(P256_ORDER)) {
            throw new AnnouncementRejectedException(Reason.BAD_SIGNATURE, node,
                    "the SVID key is not ECDSA P-256 (" + leaf.getPublicKey().getAlgorithm() + ")");
        }
        boolean valid;
        try {
            Signature verifier = Signature.getInstance(SignedNodeAnnouncement.SIGNATURE_ALGORITHM);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(AnnouncementCodec.encode(announcement));
            valid = verifier.verify(signed.signature());
        } catch (GeneralSecurityException e) {
            // A malformed DER signature lands here; it is as wrong as a mismatching one.
            valid = false;
        }
        if (!valid) {
            throw new AnnouncementRejectedException(Reason.BAD_SIGNATURE, node,
                    "the signature does not verify with the SVID key");
        }
        return announcement;
    }
}
