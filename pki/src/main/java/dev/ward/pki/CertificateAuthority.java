package dev.ward.pki;

import io.spiffe.spiffeid.TrustDomain;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

/**
 * A cluster CA: its self-signed certificate and private key. The certificate is a root (CA:true, path length 0,
 * so it can only sign leaves) with keyCertSign and cRLSign, and carries the trust domain's SPIFFE ID so a bundle
 * read back from a store says which trust domain it serves.
 */
public record CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {

    public CertificateAuthority {
        if (!X509Extensions.isCa(certificate) || !X509Extensions.canSignCertificates(certificate)) {
            throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal() + " is not a CA certificate");
        }
        requireMatchingKey(certificate, privateKey);
    }

    public static CertificateAuthority generate(TrustDomain trustDomain, KeyAlgorithm algorithm, Duration validity, Instant now) {
        KeyPair keys = algorithm.generate();
        // A distinct subject per CA generation lets tools that match issuers by name (openssl) tell old and new apart
        // while both are in the bundle during a rotation.
        X500Name subject = new X500Name("O=Ward,CN=Ward cluster CA " + HexFormat.of().toHexDigits(Serials.random128().intValue()));
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, Serials.random128(),
                    Date.from(now.minus(SvidIssuer.CLOCK_SKEW)), Date.from(now.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, trustDomain.toIdString())));
            ContentSigner signer = new JcaContentSignerBuilder(algorithm.signatureAlgorithm()).build(keys.getPrivate());
            X509Certificate cert = Pem.certificate(b.build(signer).getEncoded(), "new CA certificate");
            return new CertificateAuthority(cert, keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot create a CA certificate: " + e.getMessage(), e);
        }
    }

    /** Short stable name of this CA (from its certificate fingerprint). */
    public String id() {
        return Fingerprints.caId(certificate);
    }

    public TrustDomain trustDomain() {
        return trustDomainOf(certificate);
    }

    public KeyAlgorithm keyAlgorithm() {
        return KeyAlgorithm.of(certificate.getPublicKey())
                .orElseThrow(() -> new IllegalStateException("CA key is not a supported EC key"));
    }

    ContentSigner signer() {
        try {
            return new JcaContentSignerBuilder(keyAlgorithm().signatureAlgorithm()).build(privateKey);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with the CA key: " + e.getMessage(), e);
        }
    }

    /** The trust domain a Ward CA certificate serves, from its {@code spiffe://<td>} URI SAN. */
    public static TrustDomain trustDomainOf(X509Certificate ca) {
        List<String> uris = X509Extensions.uriSans(ca);
        if (uris.size() != 1 || !uris.getFirst().startsWith("spiffe://")) {
            throw new IllegalArgumentException("CA " + ca.getSubjectX500Principal() + " does not name its trust domain (one spiffe:// URI SAN)");
        }
        return TrustDomains.parse(uris.getFirst().substring("spiffe://".length()));
    }

    @Override
    public String toString() {
        // Never print the private key, even by accident in a log line.
        return "CertificateAuthority[" + id() + " " + certificate.getSubjectX500Principal() + "]";
    }

    private static void requireMatchingKey(X509Certificate cert, PrivateKey key) {
        if (KeyAlgorithm.of(cert.getPublicKey()).isEmpty()) {
            throw new IllegalArgumentException("CA key type " + cert.getPublicKey().getAlgorithm() + " is not supported");
        }
        if (!KeyAlgorithm.matches(cert.getPublicKey(), key)) {
            throw new IllegalArgumentException("the CA private key does not belong to CA certificate " + cert.getSubjectX500Principal());
        }
    }
}
