package dev.ward.trust;

import dev.ward.store.StoredJson;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.ward.trust.Revocation;
import dev.ward.trust.TrustState;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.SpiffeBundleJson;
import dev.ward.pki.TrustBundle;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The published trust state as named documents: {@code bundle.pem}, {@code bundle.spiffe} (SPIFFE JWKS),
 * {@code crl.pem}, {@code revocations.json}. The same documents are the ConfigMap's data in Kubernetes and one
 * JSON object in etcd or a directory, so operators find the same files everywhere.
 */
public final class TrustStateCodec {
    public static final String BUNDLE_PEM = "bundle.pem";
    public static final String BUNDLE_SPIFFE = "bundle.spiffe";
    public static final String CRL_PEM = "crl.pem";
    public static final String REVOCATIONS = "revocations.json";
    /** How often SPIFFE consumers that poll should re-fetch; Ward's own consumers watch instead. */
    static final Duration REFRESH_HINT = Duration.ofMinutes(5);

    private TrustStateCodec() {}

    public static Map<String, String> encode(TrustState state) {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put(BUNDLE_PEM, state.bundle().toPem());
        docs.put(BUNDLE_SPIFFE, SpiffeBundleJson.encode(state.bundle(), state.sequence(), REFRESH_HINT));
        docs.put(CRL_PEM, state.clusterTrust().crlPem());
        docs.put(REVOCATIONS, StoredJson.write(state.revocations()));
        return docs;
    }

    /**
     * Decodes and cross-checks the documents. Anything inconsistent throws {@link TamperedTrustException}.
     *
     * @param version the store version, carried by the exception
     */
    public static TrustState decode(Map<String, String> docs, String version) {
        try {
            ClusterTrust trust = ClusterTrust.fromPem(required(docs, BUNDLE_PEM), docs.get(CRL_PEM));
            SpiffeBundleJson.Parsed spiffe = SpiffeBundleJson.decode(required(docs, BUNDLE_SPIFFE), trust.bundle().trustDomain());
            if (!sameCertificates(spiffe.bundle(), trust.bundle())) {
                throw new IllegalArgumentException(BUNDLE_SPIFFE + " and " + BUNDLE_PEM + " hold different CAs");
            }
            List<Revocation> revocations = StoredJson.mapper().readValue(required(docs, REVOCATIONS), new TypeReference<>() {});
            return new TrustState(trust.bundle(), trust.crls(), revocations, spiffe.sequence());
        } catch (Exception e) {
            throw new TamperedTrustException("the published trust bundle cannot be trusted: " + e.getMessage(), version, e);
        }
    }

    private static boolean sameCertificates(TrustBundle a, TrustBundle b) {
        return a.authorities().equals(b.authorities());
    }

    private static String required(Map<String, String> docs, String name) {
        String v = docs.get(name);
        if (v == null || v.isBlank()) throw new IllegalArgumentException(name + " is missing");
        return v;
    }
}
