package dev.ward.agent.encryption;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The cluster's one SVID verifier (from pki): the chain (leaf first) leads to the cluster CA, is valid now and
 * is not revoked. Announcement checks that are specific to encryption (signature, node name) happen around it.
 */
@FunctionalInterface
public interface SvidChainVerifier {
    void verify(List<X509Certificate> chain) throws CertificateException;
}
