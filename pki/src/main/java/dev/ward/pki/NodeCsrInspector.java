package dev.ward.pki;

import dev.ward.pki.CsrRejectedException.Reason;
import io.spiffe.spiffeid.TrustDomain;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import java.io.IOException;
import java.security.PublicKey;
import java.util.List;
import java.util.Set;

/**
 * Checks that a PKCS#10 request asks for exactly a node SVID and nothing more: a valid self-signature (the
 * requester holds the key), a P-256 key, exactly one SAN which is a node SPIFFE ID of this trust domain, and no
 * CA powers. Ward builds the certificate itself, so anything else a request asks for is refused rather than
 * silently dropped: a request for more than an SVID is a sign of a confused or hostile requester.
 */
public final class NodeCsrInspector {
    // Extensions a well-behaved CSR tool may add that grant nothing: Ward ignores their values.
    private static final Set<ASN1ObjectIdentifier> HARMLESS = Set.of(
            Extension.subjectKeyIdentifier, Extension.extendedKeyUsage);

    private final TrustDomain trustDomain;

    public NodeCsrInspector(TrustDomain trustDomain) {
        this.trustDomain = trustDomain;
    }

    public NodeCsr inspect(String pem) throws CsrRejectedException {
        PKCS10CertificationRequest csr;
        try {
            csr = Pem.csr(pem, "the certificate signing request");
        } catch (MalformedPemException e) {
            throw new CsrRejectedException(Reason.MALFORMED, e.getMessage());
        }
        return inspect(csr);
    }

    public NodeCsr inspect(byte[] der) throws CsrRejectedException {
        try {
            return inspect(new PKCS10CertificationRequest(der));
        } catch (IOException | RuntimeException e) {
            throw new CsrRejectedException(Reason.MALFORMED, "the certificate signing request is not valid DER: " + e.getMessage());
        }
    }

    public NodeCsr inspect(PKCS10CertificationRequest csr) throws CsrRejectedException {
        PublicKey key = publicKey(csr);
        if (KeyAlgorithm.of(key).orElse(null) != KeyAlgorithm.EC_P256) {
            throw new CsrRejectedException(Reason.UNSUPPORTED_KEY,
                    "the request's key is " + key.getAlgorithm() + ", node keys must be ECDSA P-256");
        }
        verifySelfSignature(csr, key);
        Extensions extensions = requestedExtensions(csr);
        String uri = singleUriSan(extensions);
        refuseCaPowers(extensions);
        refuseUnknownExtensions(extensions);
        NodeIdentity identity;
        try {
            identity = NodeIdentity.fromUri(uri);
        } catch (IllegalArgumentException e) {
            throw new CsrRejectedException(Reason.NOT_A_NODE_ID, e.getMessage());
        }
        if (!identity.trustDomain().equals(trustDomain)) {
            throw new CsrRejectedException(Reason.WRONG_TRUST_DOMAIN,
                    "the request is for trust domain " + identity.trustDomain() + ", this CA serves " + trustDomain);
        }
        try {
            return new NodeCsr(identity, key, csr.getEncoded());
        } catch (IOException e) {
            throw new CsrRejectedException(Reason.MALFORMED, "the request cannot be re-encoded: " + e.getMessage());
        }
    }

    private static PublicKey publicKey(PKCS10CertificationRequest csr) throws CsrRejectedException {
        try {
            return new JcaPKCS10CertificationRequest(csr).getPublicKey();
        } catch (Exception e) {
            throw new CsrRejectedException(Reason.UNSUPPORTED_KEY, "the request's public key cannot be read: " + e.getMessage());
        }
    }

    private static void verifySelfSignature(PKCS10CertificationRequest csr, PublicKey key) throws CsrRejectedException {
        boolean valid;
        try {
            valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (Exception e) {
            valid = false;
        }
        if (!valid) {
            throw new CsrRejectedException(Reason.BAD_SIGNATURE,
                    "the request is not signed by the key it contains (no proof of possession)");
        }
    }

    private static Extensions requestedExtensions(PKCS10CertificationRequest csr) throws CsrRejectedException {
        Attribute[] attrs = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
        if (attrs.length == 0) {
            throw new CsrRejectedException(Reason.NO_SPIFFE_ID, "the request has no subjectAltName with the node's SPIFFE ID");
        }
        if (attrs.length > 1 || attrs[0].getAttrValues().size() != 1) {
            throw new CsrRejectedException(Reason.MALFORMED, "the request has more than one extension request");
        }
        try {
            return Extensions.getInstance(attrs[0].getAttrValues().getObjectAt(0));
        } catch (RuntimeException e) {
            throw new CsrRejectedException(Reason.MALFORMED, "the request's extensions cannot be parsed: " + e.getMessage());
        }
    }

    private static String singleUriSan(Extensions extensions) throws CsrRejectedException {
        Extension san = extensions.getExtension(Extension.subjectAlternativeName);
        if (san == null) {
            throw new CsrRejectedException(Reason.NO_SPIFFE_ID, "the request has no subjectAltName with the node's SPIFFE ID");
        }
        GeneralName[] names;
        try {
            names = GeneralNames.getInstance(san.getParsedValue()).getNames();
        } catch (RuntimeException e) {
            throw new CsrRejectedException(Reason.MALFORMED, "the request's subjectAltName cannot be parsed: " + e.getMessage());
        }
        List<GeneralName> uris = List.of(names).stream()
                .filter(n -> n.getTagNo() == GeneralName.uniformResourceIdentifier).toList();
        if (uris.isEmpty()) {
            throw new CsrRejectedException(Reason.NO_SPIFFE_ID, "the request's subjectAltName has no URI (SPIFFE ID)");
        }
        if (names.length != 1) {
            throw new CsrRejectedException(Reason.EXTRA_SANS, "the request has " + names.length
                    + " subjectAltNames " + List.of(names).stream().map(NodeCsrInspector::describe).toList()
                    + "; an SVID has exactly one, the node's SPIFFE ID");
        }
        return uris.getFirst().getName().toString();
    }

    private static void refuseCaPowers(Extensions extensions) throws CsrRejectedException {
        Extension bc = extensions.getExtension(Extension.basicConstraints);
        if (bc != null) {
            boolean ca;
            try {
                ca = BasicConstraints.getInstance(bc.getParsedValue()).isCA();
            } catch (RuntimeException e) {
                throw new CsrRejectedException(Reason.MALFORMED, "the request's basicConstraints cannot be parsed");
            }
            if (ca) throw new CsrRejectedException(Reason.CA_REQUESTED, "the request asks for a CA certificate (basicConstraints CA:true)");
        }
        Extension ku = extensions.getExtension(Extension.keyUsage);
        if (ku != null) {
            KeyUsage usage;
            try {
                usage = KeyUsage.getInstance(ku.getParsedValue());
            } catch (RuntimeException e) {
                throw new CsrRejectedException(Reason.MALFORMED, "the request's keyUsage cannot be parsed");
            }
            if (usage.hasUsages(KeyUsage.keyCertSign) || usage.hasUsages(KeyUsage.cRLSign)) {
                throw new CsrRejectedException(Reason.CA_REQUESTED, "the request asks for keyCertSign/cRLSign key usage");
            }
        }
    }

    private static void refuseUnknownExtensions(Extensions extensions) throws CsrRejectedException {
        for (ASN1ObjectIdentifier oid : extensions.getExtensionOIDs()) {
            if (oid.equals(Extension.subjectAlternativeName) || oid.equals(Extension.basicConstraints)
                    || oid.equals(Extension.keyUsage) || HARMLESS.contains(oid)) {
                continue;
            }
            throw new CsrRejectedException(Reason.UNSUPPORTED_EXTENSION, "the request asks for extension " + oid + ", which node SVIDs do not carry");
        }
    }

    private static String describe(GeneralName n) {
        String type = switch (n.getTagNo()) {
            case GeneralName.dNSName -> "DNS";
            case GeneralName.iPAddress -> "IP";
            case GeneralName.rfc822Name -> "email";
            case GeneralName.uniformResourceIdentifier -> "URI";
            default -> "type " + n.getTagNo();
        };
        ASN1Encodable value = n.getName();
        return type + ":" + (n.getTagNo() == GeneralName.iPAddress ? "(address)" : value.toString());
    }
}
