package dev.ward.trust.kv;

import java.time.Instant;

/**
 * A node's request for an SVID in a key-value store: the CSR and its evidence (a join token, or a renewal proof by
 * the current SVID key), then keyd's answer (the chain, or the reason it was denied). keyd drops the evidence when
 * it answers, so a used token does not linger in the store.
 */
public record EnrollmentRequest(
        String id,
        String node,
        String csr,
        String joinToken,
        String renewalChain,
        String renewalSignature,
        Instant submittedAt,
        Status status,
        String certificateChain,
        String denialReason,
        String denialMessage,
        Instant decidedAt) {

    public enum Status { PENDING, ISSUED, DENIED }

    public static EnrollmentRequest withToken(String id, String node, String csr, String token, Instant now) {
        return new EnrollmentRequest(id, node, csr, token, null, null, now, Status.PENDING, null, null, null, null);
    }

    public static EnrollmentRequest renewal(String id, String node, String csr, String chain, String signature, Instant now) {
        return new EnrollmentRequest(id, node, csr, null, chain, signature, now, Status.PENDING, null, null, null, null);
    }

    public boolean pending() {
        return status == Status.PENDING;
    }

    public EnrollmentRequest issued(String chain, Instant now) {
        return new EnrollmentRequest(id, node, csr, null, null, null, submittedAt, Status.ISSUED, chain, null, null, now);
    }

    public EnrollmentRequest denied(String reason, String message, Instant now) {
        return new EnrollmentRequest(id, node, csr, null, null, null, submittedAt, Status.DENIED, null, reason, message, now);
    }
}
