package dev.ward.pki;

import org.junit.jupiter.api.Test;

import java.security.KeyPair;

import static org.junit.jupiter.api.Assertions.*;

class RenewalProofTest {
    @Test
    void onlyTheCurrentSvidKeyProvesARenewal() throws Exception {
        CertificateAuthority ca = TestPki.ca();
        TestPki.Node current = TestPki.issue(ca, "n1");
        KeyPair next = KeyAlgorithm.EC_P256.generate();
        byte[] csr = TestPki.csr("n1", next).der();

        byte[] proof = RenewalProof.sign(current.keys().getPrivate(), csr);
        assertTrue(RenewalProof.verify(current.svid(), csr, proof));

        assertFalse(RenewalProof.verify(current.svid(), csr, RenewalProof.sign(next.getPrivate(), csr)), "the new key proves nothing");
        byte[] otherCsr = TestPki.csr("n1", KeyAlgorithm.EC_P256.generate()).der();
        assertFalse(RenewalProof.verify(current.svid(), otherCsr, proof), "a proof is bound to one CSR");
        assertFalse(RenewalProof.verify(current.svid(), csr, new byte[] {1, 2, 3}), "garbage is no proof");
    }
}
