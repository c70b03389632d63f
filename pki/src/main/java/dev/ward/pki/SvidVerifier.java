package dev.ward.pki;

import dev.ward.pki.SvidRejectedException.Reason;
import io.spiffe.spiffeid.SpiffeId;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one SVID verifier Ward uses everywhere (keyd for renewals, wardctl svid verify, the agent, the encryption
 * layer for peers): the leaf is a node X509-SVID of the bundle's trust domain, the chain leads to a CA in the
 * bundle and is valid now, and no certificate on it is listed in its issuer's CRL. Missing or expired CRLs fail
 * closed. The first failing check is reported with its {@link Reason}.
 */
public final class SvidVerifier {
    private final Clock clock;

    public SvidVerifier(Clock clock) {
        this.clock = clock;
    }

    public SvidVerifier() {
        this(Clock.systemUTC());
    }

    /** Verifies a chain (leaf first, then intermediates; a trailing bundle CA is allowed) for any node. */
    public VerifiedSvid verify(List<X509Certificate> chain, ClusterTrust trust) throws SvidRejectedException {
        return verify(chain, trust, null);
    }

    /** As {@link #verify(List, ClusterTrust)}, and the SVID must name {@code expectedNode} (if not null). */
    public VerifiedSvid verify(List<X509Certificate> chain, ClusterTrust trust, String expectedNode) throws SvidRejectedException {
        if (chain == null || chain.isEmpty()) throw new SvidRejectedException(Reason.MALFORMED, "the SVID chain is empty");
        Instant now = clock.instant();
        X509Certificate leaf = chain.getFirst();
        NodeIdentity identity = nodeIdentity(leaf, trust);
        requireLeafUsage(leaf);
        if (expectedNode != null && !identity.node().equals(expectedNode)) {
            throw new SvidRejectedException(Reason.WRONG_NODE,
                    "the SVID is for node " + identity.node() + ", expected node " + expectedNode);
        }
        List<X509Certificate> path = withoutTrailingAnchors(chain, trust.bundle());
        X509Certificate anchor = validatePath(path, trust.bundle(), now);
        requireUnrevoked(path, anchor, trust, now);
        return new VerifiedSvid(identity, path, anchor);
    }

    private static NodeIdentity nodeIdentity(X509Certificate leaf, ClusterTrust trust) throws SvidRejectedException {
        List<String> uris;
        try {
            uris = X509Extensions.uriSans(leaf);
        } catch (IllegalArgumentException e) {
            throw new SvidRejectedException(Reason.NOT_AN_SVID, e.getMessage());
        }
        if (uris.size() != 1) {
            throw new SvidRejectedException(Reason.NOT_AN_SVID,
                    "an X509-SVID has exactly one URI SAN, this certificate has " + uris.size());
        }
        SpiffeId id;
        try {
            id = SpiffeId.parse(uris.getFirst());
        } catch (RuntimeException e) { // java-spiffe throws its own InvalidSpiffeIdException
            throw new SvidRejectedException(Reason.NOT_AN_SVID, "URI SAN \"" + uris.getFirst() + "\" is not a SPIFFE ID: " + e.getMessage());
        }
        if (!id.memberOf(trust.bundle().trustDomain())) {
            throw new SvidRejectedException(Reason.WRONG_TRUST_DOMAIN,
                    "the SVID " + id + " is not in trust domain " + trust.bundle().trustDomain());
        }
        try {
            return NodeIdentity.fromSpiffeId(id);
        } catch (IllegalArgumentException e) {
            throw new SvidRejectedException(Reason.NOT_A_NODE_ID, e.getMessage());
        }
    }

    private static void requireLeafUsage(X509Certificate leaf) throws SvidRejectedException {
        if (X509Extensions.isCa(leaf)) throw new SvidRejectedException(Reason.NOT_A_LEAF, "the SVID is a CA certificate");
        if (!X509Extensions.hasDigitalSignature(leaf)) {
            throw new SvidRejectedException(Reason.NOT_A_LEAF, "the SVID lacks the digitalSignature key usage");
        }
        if (X509Extensions.canSignCertificatesOrCrls(leaf)) {
            throw new SvidRejectedException(Reason.NOT_A_LEAF, "the SVID may sign certificates or CRLs (keyCertSign/cRLSign)");
        }
    }

    private static List<X509Certificate> withoutTrailingAnchors(List<X509Certificate> chain, TrustBundle bundle) {
        List<X509Certificate> path = new ArrayList<>(chain);
        while (path.size() > 1 && bundle.contains(path.getLast())) path.removeLast();
        return path;
    }

    /** Runs the JDK's PKIX path validation (signatures, validity, name chaining, constraints) and returns the anchor. */
    private static X509Certificate validatePath(List<X509Certificate> path, TrustBundle bundle, Instant now) throws SvidRejectedException {
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate ca : bundle.authorities()) anchors.add(new TrustAnchor(ca, null));
        X509Certificate anchor;
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false); // revocation is checked below, against Ward's own CRLs, with precise reasons
            params.setDate(Date.from(now));
            PKIXCertPathValidatorResult result =
                    (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(certPath, params);
            anchor = result.getTrustAnchor().getTrustedCert();
        } catch (CertPathValidatorException e) {
            throw describe(e, path);
        } catch (GeneralSecurityException e) {
            throw new SvidRejectedException(Reason.MALFORMED, "the SVID chain cannot be validated: " + e.getMessage());
        }
        // PKIX trusts anchors as they are; an expired CA must not keep vouching for anything.
        if (now.isAfter(anchor.getNotAfter().toInstant())) {
            throw new SvidRejectedException(Reason.EXPIRED, "the issuing CA " + Fingerprints.caId(anchor) + " expired at " + anchor.getNotAfter().toInstant());
        }
        return anchor;
    }

    private static SvidRejectedException describe(CertPathValidatorException e, List<X509Certificate> path) {
        int index = e.getIndex();
        String which = index <= 0 ? "the SVID" : "intermediate " + index;
        X509Certificate cert = index >= 0 && index < path.size() ? path.get(index) : path.getFirst();
        CertPathValidatorException.Reason r = e.getReason();
        if (r == CertPathValidatorException.BasicReason.EXPIRED) {
            return new SvidRejectedException(Reason.EXPIRED, which + " expired at " + cert.getNotAfter().toInstant());
        }
        if (r == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            return new SvidRejectedException(Reason.NOT_YET_VALID, which + " is not valid before " + cert.getNotBefore().toInstant());
        }
        if (r == PKIXReason.NO_TRUST_ANCHOR) {
            return new SvidRejectedException(Reason.UNTRUSTED,
                    "the SVID chain does not lead to a CA in the trust bundle (issuer " + path.getLast().getIssuerX500Principal().getName() + ")");
        }
        if (r == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
            return new SvidRejectedException(Reason.UNTRUSTED, "a signature on the SVID chain does not verify (" + which + ")");
        }
        return new SvidRejectedException(Reason.UNTRUSTED, "the SVID chain is not valid: " + e.getMessage());
    }

    private static void requireUnrevoked(List<X509Certificate> path, X509Certificate anchor, ClusterTrust trust, Instant now)
            throws SvidRejectedException {
        for (int i = 0; i < path.size(); i++) {
            X509Certificate cert = path.get(i);
            X509Certificate issuer = i + 1 < path.size() ? path.get(i + 1) : anchor;
            String which = i == 0 ? "the SVID" : "intermediate " + i;
            X509CRL crl = trust.crlFor(issuer).orElseThrow(() -> new SvidRejectedException(Reason.REVOCATION_UNKNOWN,
                    "no CRL from CA " + issuer.getSubjectX500Principal().getName() + " is published, so the revocation status of " + which + " is unknown"));
            if (crl.getNextUpdate() == null || now.isAfter(crl.getNextUpdate().toInstant())) {
                throw new SvidRejectedException(Reason.REVOCATION_UNKNOWN, "the CRL of CA " + issuer.getSubjectX500Principal().getName()
                        + " expired at " + (crl.getNextUpdate() == null ? "(no nextUpdate)" : crl.getNextUpdate().toInstant())
                        + ", so the revocation status of " + which + " is unknown");
            }
            X509CRLEntry entry = crl.getRevokedCertificate(cert.getSerialNumber());
            if (entry != null) {
                throw new SvidRejectedException(Reason.REVOKED, which + " (serial " + cert.getSerialNumber().toString(16)
                        + ") was revoked at " + entry.getRevocationDate().toInstant());
            }
        }
    }
}
