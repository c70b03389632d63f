package dev.ward.keyd.attest;

import dev.ward.keyd.NodeRecord;
import dev.ward.pki.CsrRejectedException;
import dev.ward.pki.NodeCsrInspector;

import java.util.Optional;

/** Checks every attestation path shares. */
final class Attestations {
    private Attestations() {}

    /** The CSR, or the inspector's reason as a denial. */
    static Verdict inspect(NodeCsrInspector inspector, String csrPem) {
        try {
            return new Verdict.Approve(inspector.inspect(csrPem));
        } catch (CsrRejectedException e) {
            return Verdict.deny(e.reason().conditionReason(), e.getMessage());
        }
    }

    static Optional<Verdict.Deny> revoked(Optional<NodeRecord> record) {
        return record.filter(NodeRecord::revoked).map(r -> Verdict.deny("NodeRevoked",
                "node " + r.node() + " was revoked at " + r.revokedAt() + "; it gets no SVID until an operator runs `wardctl node readmit "
                        + r.node() + "`"));
    }
}
