package dev.ward.pki;

import java.security.PublicKey;

/**
 * A signing request that passed {@link NodeCsrInspector}: the node it asks for, the key it proved it holds, and
 * its DER encoding (what a renewal proof signs). Whether the requester may have that identity is attestation's
 * decision, not this type's.
 */
public record NodeCsr(NodeIdentity identity, PublicKey publicKey, byte[] der) {
    public String node() {
        return identity.node();
    }
}
