package dev.ward.keyd.attest;

import dev.ward.keyd.NodeRecord;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.NodeCsr;
import dev.ward.pki.Pem;
import dev.ward.pki.RenewalProof;
import dev.ward.pki.SvidRejectedException;
import dev.ward.pki.SvidVerifier;

import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Decides a renewal: the node presents its current SVID chain and a signature over the new CSR made with the
 * current SVID key. The current SVID must pass the one verifier (so a revoked or expired SVID cannot renew) and
 * name the same node as the new CSR.
 */
public final class RenewalAttestor {
    private final SvidVerifier verifier;

    public RenewalAttestor(SvidVerifier verifier) {
        this.verifier = verifier;
    }

    public Verdict decide(NodeCsr csr, String currentChainPem, String signatureBase64, ClusterTrust trust, Optional<NodeRecord> record) {
        if (currentChainPem == null || signatureBase64 == null) {
            return Verdict.deny("MalformedRenewal", "a renewal needs both the current SVID chain and the renewal signature");
        }
        List<X509Certificate> chain;
        byte[] signature;
        try {
            chain = Pem.certificates(currentChainPem, "the current SVID chain");
            signature = Base64.getDecoder().decode(signatureBase64.trim());
        } catch (IllegalArgumentException e) { // malformed PEM or base64
            return Verdict.deny("MalformedRenewal", e.getMessage());
        }
        try {
            verifier.verify(chain, trust, csr.node());
        } catch (SvidRejectedException e) {
            return Verdict.deny("InvalidCurrentSvid", "the current SVID does not allow renewal (" + e.reason() + "): " + e.getMessage());
        }
        if (!RenewalProof.verify(chain.getFirst(), csr.der(), signature)) {
            return Verdict.deny("BadRenewalProof", "the renewal signature was not made with the current SVID's key");
        }
        Optional<Verdict.Deny> revoked = Attestations.revoked(record);
        if (revoked.isPresent()) return revoked.get();
        return new Verdict.Approve(csr);
    }
}
