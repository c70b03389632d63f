package dev.ward.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Signs node X509-SVIDs per the SPIFFE X509-SVID spec: one URI SAN (the node's SPIFFE ID), CA:false,
 * digitalSignature only, a 128-bit random serial, and a lifetime that never outlives the CA.
 */
public final class SvidIssuer {
    /** Backdating notBefore absorbs small clock differences between keyd and the nodes. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);
    private static final int MAX_CN_LENGTH = 64;

    private SvidIssuer() {}

    public static X509Certificate issue(CertificateAuthority ca, NodeCsr csr, Duration ttl, Instant now) {
        return issue(ca, csr, ttl, now, Serials.random128());
    }

    static X509Certificate issue(CertificateAuthority ca, NodeCsr csr, Duration ttl, Instant now, BigInteger serial) {
        if (ttl.isNegative() || ttl.isZero()) throw new IllegalArgumentException("SVID lifetime must be positive, got " + ttl);
        if (!ca.trustDomain().equals(csr.identity().trustDomain())) {
            throw new IllegalArgumentException("CA " + ca.id() + " serves " + ca.trustDomain() + ", not " + csr.identity().trustDomain());
        }
        Instant caEnd = ca.certificate().getNotAfter().toInstant();
        if (!caEnd.isAfter(now)) throw new IllegalStateException("CA " + ca.id() + " expired at " + caEnd);
        Instant notAfter = now.plus(ttl).isAfter(caEnd) ? caEnd : now.plus(ttl);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial,
                    Date.from(now.minus(CLOCK_SKEW)), Date.from(notAfter), subjectFor(csr.identity()), csr.publicKey())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, csr.identity().spiffeId().toString())))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(csr.publicKey()))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()));
            return Pem.certificate(b.build(ca.signer()).getEncoded(), "issued SVID");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot sign an SVID for " + csr.identity() + ": " + e.getMessage(), e);
        }
    }

    /** O=Ward plus the node name as CN when it fits X.520's 64-character limit; the SAN is what identifies. */
    static X500Name subjectFor(NodeIdentity identity) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Ward");
        if (identity.node().length() <= MAX_CN_LENGTH) b.addRDN(BCStyle.CN, identity.node());
        return b.build();
    }
}
