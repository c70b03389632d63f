package dev.ward.pki;

import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;

/** Signs a CA's certificate revocation list (X.509 v2 CRL with CRL number and authority key identifier). */
public final class CrlSigner {
    private CrlSigner() {}

    public static X509CRL sign(CertificateAuthority ca, Collection<RevokedSerial> revoked,
                               Instant thisUpdate, Instant nextUpdate, long crlNumber) {
        if (!nextUpdate.isAfter(thisUpdate)) throw new IllegalArgumentException("CRL nextUpdate must be after thisUpdate");
        try {
            X509v2CRLBuilder b = new JcaX509v2CRLBuilder(ca.certificate(), Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (RevokedSerial r : revoked) {
                b.addCRLEntry(r.serial(), Date.from(r.revokedAt()), 0);
            }
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(crlNumber)));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate()));
            byte[] der = b.build(ca.signer()).getEncoded();
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot sign the CRL of CA " + ca.id() + ": " + e.getMessage(), e);
        }
    }
}
