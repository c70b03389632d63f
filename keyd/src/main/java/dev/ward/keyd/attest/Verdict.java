package dev.ward.keyd.attest;

import dev.ward.pki.NodeCsr;

/** Attestation's answer: sign this CSR, or deny it with a CamelCase reason (as Kubernetes conditions spell them). */
public sealed interface Verdict permits Verdict.Approve, Verdict.Deny {
    record Approve(NodeCsr csr) implements Verdict {}

    record Deny(String reason, String message) implements Verdict {}

    static Deny deny(String reason, String message) {
        return new Deny(reason, message);
    }
}
