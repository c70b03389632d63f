package dev.ward.pki;

import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;

/**
 * Who a node is: its name within a trust domain, written as the SPIFFE ID
 * {@code spiffe://<trust-domain>/ward/node/<node-name>}.
 */
public record NodeIdentity(TrustDomain trustDomain, String node) {
    static final String PATH_PREFIX = "/ward/node/";

    public NodeIdentity {
        if (trustDomain == null) throw new IllegalArgumentException("trust domain is missing");
        NodeNames.require(node, "node name");
    }

    public static NodeIdentity of(String trustDomain, String node) {
        return new NodeIdentity(TrustDomains.parse(trustDomain), node);
    }

    public SpiffeId spiffeId() {
        return SpiffeId.fromSegments(trustDomain, "ward", "node", node);
    }

    /**
     * The node a SPIFFE ID names. Anything that is not exactly {@code /ward/node/<valid node name>} is refused: a
     * workload ID or a nested path must never be mistaken for a node.
     */
    public static NodeIdentity fromSpiffeId(SpiffeId id) {
        String path = id.getPath();
        if (!path.startsWith(PATH_PREFIX)) {
            throw new IllegalArgumentException(id + " is not a Ward node ID (expected path " + PATH_PREFIX + "<node>)");
        }
        String node = path.substring(PATH_PREFIX.length());
        if (!NodeNames.isValid(node)) {
            throw new IllegalArgumentException(id + " does not end in a valid node name");
        }
        return new NodeIdentity(id.getTrustDomain(), node);
    }

    /** The node an X509-SVID names: its one URI SAN, which must be a Ward node ID. */
    public static NodeIdentity ofCertificate(java.security.cert.X509Certificate svid) {
        java.util.List<String> uris = X509Extensions.uriSans(svid);
        if (uris.size() != 1) {
            throw new IllegalArgumentException("an X509-SVID has exactly one URI SAN, this certificate has " + uris.size());
        }
        return fromUri(uris.getFirst());
    }

    public static NodeIdentity fromUri(String uri) {
        SpiffeId id;
        try {
            id = SpiffeId.parse(uri);
        } catch (RuntimeException e) { // java-spiffe throws its own InvalidSpiffeIdException
            throw new IllegalArgumentException("\"" + uri + "\" is not a SPIFFE ID: " + e.getMessage());
        }
        return fromSpiffeId(id);
    }

    @Override
    public String toString() {
        return spiffeId().toString();
    }
}
