package dev.ward.keyd.attest;

import dev.ward.keyd.JoinToken;
import dev.ward.keyd.NodeRecord;
import dev.ward.pki.NodeCsr;
import dev.ward.pki.NodeCsrInspector;

import java.time.Instant;
import java.util.Optional;

/**
 * Decides a bootstrap with a join token (clusters without Kubernetes): the token must exist, be unused, unexpired
 * and not invalidated, be bound to the node the CSR names, and predate no revocation of that node.
 */
public final class JoinTokenAttestor {
    private final NodeCsrInspector inspector;

    public JoinTokenAttestor(NodeCsrInspector inspector) {
        this.inspector = inspector;
    }

    /**
     * @param stored the token record found under the presented token's hash, if any
     */
    public Verdict decide(String csrPem, Optional<JoinToken> stored, Optional<NodeRecord> record, Instant now) {
        Verdict inspected = Attestations.inspect(inspector, csrPem);
        if (!(inspected instanceof Verdict.Approve(NodeCsr csr))) return inspected;
        if (stored.isEmpty()) return Verdict.deny("UnknownToken", "the join token is not known to Ward (mistyped, or never created)");
        JoinToken token = stored.get();
        if (token.invalidatedAt() != null) {
            return Verdict.deny("TokenInvalidated", "the join token was invalidated at " + token.invalidatedAt() + " when node " + token.node() + " was revoked");
        }
        if (token.usedAt() != null) return Verdict.deny("TokenAlreadyUsed", "the join token was already used at " + token.usedAt());
        if (!now.isBefore(token.expiresAt())) return Verdict.deny("TokenExpired", "the join token expired at " + token.expiresAt());
        if (!token.node().equals(csr.node())) {
            return Verdict.deny("TokenForOtherNode", "the join token is bound to node " + token.node() + ", the CSR asks for node " + csr.node());
        }
        Optional<Verdict.Deny> revoked = Attestations.revoked(record);
        if (revoked.isPresent()) return revoked.get();
        return inspected;
    }
}
