package dev.ward.pki;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the PEM files Ward exchanges (svid.pem, svid-key.pem, bundle.pem, crl.pem, CSRs). Every
 * reader says what it expected and what it found, because these files are edited and copied by people.
 */
public final class Pem {
    private Pem() {}

    public static List<X509Certificate> certificates(String pem, String what) {
        List<X509Certificate> out = new ArrayList<>();
        for (Object o : objects(pem, what)) {
            if (!(o instanceof X509CertificateHolder h)) {
                throw new MalformedPemException(what + " holds a " + describe(o) + " where a CERTIFICATE was expected");
            }
            out.add(toCertificate(h, what));
        }
        return out;
    }

    public static X509Certificate certificate(String pem, String what) {
        List<X509Certificate> certs = certificates(pem, what);
        if (certs.size() != 1) {
            throw new MalformedPemException(what + " holds " + certs.size() + " certificates, expected exactly one");
        }
        return certs.getFirst();
    }

    public static PKCS10CertificationRequest csr(String pem, String what) {
        List<Object> objects = objects(pem, what);
        if (objects.size() != 1 || !(objects.getFirst() instanceof PKCS10CertificationRequest csr)) {
            throw new MalformedPemException(what + " must be exactly one CERTIFICATE REQUEST, found "
                    + objects.stream().map(Pem::describe).toList());
        }
        return csr;
    }

    public static PrivateKey privateKey(String pem, String what) {
        List<Object> objects = objects(pem, what);
        if (objects.size() != 1) {
            throw new MalformedPemException(what + " must hold exactly one private key, found " + objects.size() + " PEM blocks");
        }
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            return switch (objects.getFirst()) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo());
                case Object o -> throw new MalformedPemException(what + " holds a " + describe(o) + ", not a private key");
            };
        } catch (IOException e) {
            throw new MalformedPemException(what + " holds an unreadable private key: " + e.getMessage(), e);
        }
    }

    public static List<X509CRL> crls(String pem, String what) {
        List<X509CRL> out = new ArrayList<>();
        for (Object o : objects(pem, what)) {
            if (!(o instanceof X509CRLHolder h)) {
                throw new MalformedPemException(what + " holds a " + describe(o) + " where an X509 CRL was expected");
            }
            try {
                out.add((X509CRL) factory().generateCRL(new ByteArrayInputStream(h.getEncoded())));
            } catch (CRLException | IOException e) {
                throw new MalformedPemException(what + " holds an unreadable CRL: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** PEM text of certificates, CRLs, CSRs or keys, in the order given. */
    public static String encode(Iterable<?> objects) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            for (Object o : objects) {
                // PKCS#8 ("PRIVATE KEY") rather than OpenSSL's legacy "EC PRIVATE KEY": every SPIFFE library reads it.
                if (o instanceof PrivateKey key) w.writeObject(new JcaPKCS8Generator(key, null));
                else w.writeObject(o);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode PEM: " + e.getMessage(), e);
        }
        return sw.toString();
    }

    public static String encode(Object object) {
        return encode(List.of(object));
    }

    public static X509Certificate certificate(byte[] der, String what) {
        try {
            return (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new MalformedPemException(what + " is not a readable X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static List<Object> objects(String pem, String what) {
        if (pem == null || pem.isBlank()) throw new MalformedPemException(what + " is empty");
        List<Object> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) out.add(o);
        } catch (IOException | RuntimeException e) {
            // BouncyCastle reports bad base64 and bad DER as unchecked exceptions; both mean the same to the operator.
            throw new MalformedPemException(what + " is not valid PEM: " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new MalformedPemException(what + " contains no PEM block");
        return out;
    }

    private static X509Certificate toCertificate(X509CertificateHolder h, String what) {
        try {
            return certificate(h.getEncoded(), what);
        } catch (IOException e) {
            throw new MalformedPemException(what + " holds an unreadable certificate: " + e.getMessage(), e);
        }
    }

    private static CertificateFactory factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
    }

    private static String describe(Object o) {
        return switch (o) {
            case X509CertificateHolder h -> "CERTIFICATE";
            case X509CRLHolder h -> "X509 CRL";
            case PKCS10CertificationRequest r -> "CERTIFICATE REQUEST";
            case PrivateKeyInfo k -> "PRIVATE KEY";
            case PEMKeyPair k -> "EC PRIVATE KEY";
            default -> o.getClass().getSimpleName();
        };
    }
}
