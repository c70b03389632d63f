package dev.ward.pki;

import dev.ward.pki.CsrRejectedException.Reason;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.*;

class NodeCsrInspectorTest {
    private static final String ID = "spiffe://cluster.test/ward/node/n1";
    private final NodeCsrInspector inspector = new NodeCsrInspector(TestPki.TD);
    private final KeyPair keys = KeyAlgorithm.EC_P256.generate();

    @Test
    void aProperNodeRequestIsAccepted() throws Exception {
        NodeCsr csr = inspector.inspect(NodeCsrs.pem(NodeCsrs.create(keys, new NodeIdentity(TestPki.TD, "n1"))));
        assertEquals("n1", csr.node());
        assertEquals(keys.getPublic(), csr.publicKey());
    }

    @Test
    void extraSansAreRefused() throws Exception {
        var csr = build(keys, "SHA256withECDSA", ext -> ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.uniformResourceIdentifier, ID),
                new GeneralName(GeneralName.dNSName, "kubernetes.default.svc")})));
        assertRejected(Reason.EXTRA_SANS, "DNS:kubernetes.default.svc", csr);
    }

    @Test
    void twoSpiffeIdsAreRefused() throws Exception {
        var csr = build(keys, "SHA256withECDSA", ext -> ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.uniformResourceIdentifier, ID),
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://cluster.test/ward/node/n2")})));
        assertRejected(Reason.EXTRA_SANS, "2 subjectAltNames", csr);
    }

    @Test
    void aCaFlagIsRefused() throws Exception {
        var csr = build(keys, "SHA256withECDSA", ext -> {
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, ID)));
            ext.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        });
        assertRejected(Reason.CA_REQUESTED, "CA:true", csr);
    }

    @Test
    void certificateSigningUsageIsRefused() throws Exception {
        var csr = build(keys, "SHA256withECDSA", ext -> {
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, ID)));
            ext.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign));
        });
        assertRejected(Reason.CA_REQUESTED, "keyCertSign", csr);
    }

    @Test
    void aCaFalseFlagAndDigitalSignatureAreHarmless() throws Exception {
        var csr = build(keys, "SHA256withECDSA", ext -> {
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, ID)));
            ext.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            ext.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        });
        assertEquals("n1", inspector.inspect(csr).node());
    }

    @Test
    void unknownExtensionsAreRefused() throws Exception {
        var csr = build(keys, "SHA256withECDSA", ext -> {
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, ID)));
            ext.addExtension(Extension.nameConstraints, true, new DEROctetString(new byte[] {0x30, 0}));
        });
        assertRejected(Reason.UNSUPPORTED_EXTENSION, "2.5.29.30", csr);
    }

    @Test
    void noSanIsRefused() throws Exception {
        var csr = build(keys, "SHA256withECDSA", ext -> ext.addExtension(Extension.basicConstraints, false, new BasicConstraints(false)));
        assertRejected(Reason.NO_SPIFFE_ID, "no subjectAltName", csr);
        var bare = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=n1"), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
        assertRejected(Reason.NO_SPIFFE_ID, "no subjectAltName", bare);
    }

    @Test
    void aWorkloadIdIsNotANodeId() throws Exception {
        assertRejected(Reason.NOT_A_NODE_ID, "not a Ward node ID", withUri("spiffe://cluster.test/ns/default/sa/web"));
    }

    @Test
    void anotherTrustDomainIsRefused() throws Exception {
        assertRejected(Reason.WRONG_TRUST_DOMAIN, "other.test", withUri("spiffe://other.test/ward/node/n1"));
    }

    @Test
    void aRequestNotSignedByItsKeyIsRefused() throws Exception {
        PKCS10CertificationRequest good = NodeCsrs.create(keys, new NodeIdentity(TestPki.TD, "n1"));
        byte[] der = good.getEncoded();
        der[der.length - 5] ^= 0x01; // inside the signature
        var e = assertThrows(CsrRejectedException.class, () -> inspector.inspect(der));
        assertTrue(e.reason() == Reason.BAD_SIGNATURE || e.reason() == Reason.MALFORMED, e.reason() + ": " + e.getMessage());

        KeyPair other = KeyAlgorithm.EC_P256.generate();
        var forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=n1"), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(other.getPrivate()));
        assertRejected(Reason.BAD_SIGNATURE, "proof of possession", forged);
    }

    @Test
    void rsaAndP384KeysAreRefused() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        assertRejected(Reason.UNSUPPORTED_KEY, "RSA", build(rsa.generateKeyPair(), "SHA256withRSA", this::nodeSan));
        assertRejected(Reason.UNSUPPORTED_KEY, "P-256", build(KeyAlgorithm.EC_P384.generate(), "SHA384withECDSA", this::nodeSan));
    }

    @Test
    void malformedPemIsRefusedWithTheReason() {
        var e = assertThrows(CsrRejectedException.class, () -> inspector.inspect("not a csr"));
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("no PEM block"), e.getMessage());

        var broken = assertThrows(CsrRejectedException.class, () -> inspector.inspect(
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA!!!!\n-----END CERTIFICATE REQUEST-----\n"));
        assertEquals(Reason.MALFORMED, broken.reason());

        String cert = Pem.encode(TestPki.ca().certificate());
        var wrongType = assertThrows(CsrRejectedException.class, () -> inspector.inspect(cert));
        assertEquals(Reason.MALFORMED, wrongType.reason());
        assertTrue(wrongType.getMessage().contains("CERTIFICATE"), wrongType.getMessage());

        var garbage = assertThrows(CsrRejectedException.class, () -> inspector.inspect(Base64.getDecoder().decode("MAMCAQA=")));
        assertEquals(Reason.MALFORMED, garbage.reason());
    }

    private PKCS10CertificationRequest withUri(String uri) throws Exception {
        return build(keys, "SHA256withECDSA", ext -> ext.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri))));
    }

    private void nodeSan(ExtensionsGenerator ext) throws java.io.IOException {
        ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, ID)));
    }

    private void assertRejected(Reason reason, String fragment, PKCS10CertificationRequest csr) {
        var e = assertThrows(CsrRejectedException.class, () -> inspector.inspect(csr));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "message names the problem: " + e.getMessage());
    }

    interface Extensions {
        void add(ExtensionsGenerator ext) throws Exception;
    }

    static PKCS10CertificationRequest build(KeyPair keys, String sigAlg, Extensions extensions) throws Exception {
        ExtensionsGenerator ext = new ExtensionsGenerator();
        extensions.add(ext);
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=n1"), keys.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                .build(new JcaContentSignerBuilder(sigAlg).build(keys.getPrivate()));
    }
}
