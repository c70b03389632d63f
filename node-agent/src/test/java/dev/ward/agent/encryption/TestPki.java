package dev.ward.agent.encryption;

import dev.ward.pki.NodeIdentity;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway cluster CA for tests, built with BouncyCastle, and a real PKIX chain verifier against it. The
 * production CA and verifier come from pki; this one stands in with the same contract.
 */
final class TestPki {
    static final String TRUST_DOMAIN = "cluster.test";
    private static final AtomicLong SERIALS = new AtomicLong(1);

    final KeyPair caKey;
    final X509Certificate caCertificate;

    TestPki(String name) {
        caKey = ecKeyPair("secp256r1");
        caCertificate = certificate(new X500Name("CN=" + name), caKey, caKey, new X500Name("CN=" + name), null, true);
    }

    record Svid(KeyPair key, X509Certificate leaf) {
        List<X509Certificate> chain() {
            return List.of(leaf);
        }
    }

    Svid issueNode(String node) {
        return issue(NodeIdentity.of(TRUST_DOMAIN, node).toString(), ecKeyPair("secp256r1"), false);
    }

    Svid issue(String spiffeId, KeyPair subjectKey, boolean ca) {
        X509Certificate leaf = certificate(new X500Name("CN=" + spiffeId.substring(spiffeId.lastIndexOf('/') + 1)),
                subjectKey, caKey, new X500Name(caCertificate.getSubjectX500Principal().getName()), spiffeId, ca);
        return new Svid(subjectKey, leaf);
    }

    /** PKIX validation of the chain against this CA, without revocation: what pki's verifier does minus the CRL. */
    SvidChainVerifier verifier() {
        return chain -> {
            try {
                PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(caCertificate, null)));
                parameters.setRevocationEnabled(false);
                CertPathValidator.getInstance("PKIX").validate(
                        CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
            } catch (CertificateException e) {
                throw e;
            } catch (Exception e) {
                throw new CertificateException("chain does not lead to the cluster CA: " + e.getMessage(), e);
            }
        };
    }

    static KeyPair ecKeyPair(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static X509Certificate selfSigned(String spiffeId, KeyPair key) {
        X500Name name = new X500Name("CN=self");
        return certificate(name, key, key, name, spiffeId, false);
    }

    private static X509Certificate certificate(X500Name subject, KeyPair subjectKey, KeyPair issuerKey, X500Name issuer,
                                               String uri, boolean ca) {
        try {
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.getAndIncrement()),
                    Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)),
                    subject, subjectKey.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            if (uri != null) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            }
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
