package dev.ward.pki;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.security.KeyPair;

/** Builds the request a node sends for its SVID. Runs on the node, which keeps the private key. */
public final class NodeCsrs {
    private NodeCsrs() {}

    public static PKCS10CertificationRequest create(KeyPair keys, NodeIdentity identity) {
        try {
            ExtensionsGenerator ext = new ExtensionsGenerator();
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    new GeneralName(GeneralName.uniformResourceIdentifier, identity.spiffeId().toString())));
            return new JcaPKCS10CertificationRequestBuilder(SvidIssuer.subjectFor(identity), keys.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                    .build(new JcaContentSignerBuilder(KeyAlgorithm.EC_P256.signatureAlgorithm()).build(keys.getPrivate()));
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build a CSR for " + identity + ": " + e.getMessage(), e);
        }
    }

    public static String pem(PKCS10CertificationRequest csr) {
        return Pem.encode(csr);
    }
}
