package dev.ward.pki;

import org.bouncycastle.asn1.x509.GeneralName;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reads the X.509 extensions SPIFFE rules are written against, in the JDK's representation. */
final class X509Extensions {
    private static final int KEY_USAGE_DIGITAL_SIGNATURE = 0;
    private static final int KEY_USAGE_KEY_CERT_SIGN = 5;
    private static final int KEY_USAGE_CRL_SIGN = 6;

    private X509Extensions() {}

    /** URI SANs of the certificate. Other SAN types are returned separately by {@link #nonUriSans}. */
    static List<String> uriSans(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        for (List<?> san : sans(cert)) {
            if ((Integer) san.get(0) == GeneralName.uniformResourceIdentifier) out.add((String) san.get(1));
        }
        return out;
    }

    static List<String> nonUriSans(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        for (List<?> san : sans(cert)) {
            if ((Integer) san.get(0) != GeneralName.uniformResourceIdentifier) out.add(String.valueOf(san.get(1)));
        }
        return out;
    }

    static boolean isCa(X509Certificate cert) {
        return cert.getBasicConstraints() >= 0;
    }

    static boolean hasDigitalSignature(X509Certificate cert) {
        boolean[] ku = cert.getKeyUsage();
        return ku != null && ku.length > KEY_USAGE_DIGITAL_SIGNATURE && ku[KEY_USAGE_DIGITAL_SIGNATURE];
    }

    static boolean canSignCertificatesOrCrls(X509Certificate cert) {
        boolean[] ku = cert.getKeyUsage();
        if (ku == null) return false;
        return (ku.length > KEY_USAGE_KEY_CERT_SIGN && ku[KEY_USAGE_KEY_CERT_SIGN])
                || (ku.length > KEY_USAGE_CRL_SIGN && ku[KEY_USAGE_CRL_SIGN]);
    }

    static boolean canSignCertificates(X509Certificate cert) {
        boolean[] ku = cert.getKeyUsage();
        return ku != null && ku.length > KEY_USAGE_KEY_CERT_SIGN && ku[KEY_USAGE_KEY_CERT_SIGN];
    }

    private static Collection<List<?>> sans(X509Certificate cert) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            return sans == null ? List.of() : sans;
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("subject alternative names cannot be parsed: " + e.getMessage(), e);
        }
    }
}
