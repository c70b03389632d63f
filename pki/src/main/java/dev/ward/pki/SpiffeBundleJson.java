package dev.ward.pki;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spiffe.spiffeid.TrustDomain;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The trust bundle as a SPIFFE bundle (SPIFFE Trust Domain and Bundle spec): a JWK Set whose keys have
 * {@code "use": "x509-svid"} and carry their CA certificate in {@code x5c}, plus {@code spiffe_sequence} and
 * {@code spiffe_refresh_hint}. When reading, each JWK's coordinates must match its certificate, so a set edited in
 * one place but not the other is refused.
 */
public final class SpiffeBundleJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public record Parsed(TrustBundle bundle, long sequence) {}

    private SpiffeBundleJson() {}

    public static String encode(TrustBundle bundle, long sequence, Duration refreshHint) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode keys = root.putArray("keys");
        for (X509Certificate ca : bundle.authorities()) {
            ECPublicKey key = (ECPublicKey) ca.getPublicKey();
            int size = coordinateBytes(key);
            ObjectNode jwk = keys.addObject();
            jwk.put("use", "x509-svid");
            jwk.put("kty", "EC");
            jwk.put("crv", curveName(key));
            jwk.put("x", b64url(fixed(key.getW().getAffineX(), size)));
            jwk.put("y", b64url(fixed(key.getW().getAffineY(), size)));
            jwk.putArray("x5c").add(Base64.getEncoder().encodeToString(der(ca)));
        }
        root.put("spiffe_sequence", sequence);
        root.put("spiffe_refresh_hint", refreshHint.toSeconds());
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Parsed decode(String json, TrustDomain trustDomain) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the SPIFFE bundle is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.path("keys").isArray()) {
            throw new IllegalArgumentException("the SPIFFE bundle has no \"keys\" array");
        }
        List<X509Certificate> cas = new ArrayList<>();
        for (JsonNode jwk : root.get("keys")) {
            if (!"x509-svid".equals(jwk.path("use").asText())) continue; // JWT-SVID keys are not Ward's business
            JsonNode x5c = jwk.path("x5c");
            if (!x5c.isArray() || x5c.size() != 1) {
                throw new IllegalArgumentException("an x509-svid key of the SPIFFE bundle must carry exactly one x5c certificate");
            }
            X509Certificate ca;
            try {
                ca = Pem.certificate(Base64.getDecoder().decode(x5c.get(0).asText()), "x5c certificate of the SPIFFE bundle");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the SPIFFE bundle holds an unreadable x5c certificate: " + e.getMessage(), e);
            }
            requireJwkMatches(jwk, ca);
            cas.add(ca);
        }
        if (cas.isEmpty()) throw new IllegalArgumentException("the SPIFFE bundle has no x509-svid key");
        return new Parsed(new TrustBundle(trustDomain, cas), root.path("spiffe_sequence").asLong(0));
    }

    private static void requireJwkMatches(JsonNode jwk, X509Certificate ca) {
        if (!(ca.getPublicKey() instanceof ECPublicKey key)) {
            throw new IllegalArgumentException("the SPIFFE bundle holds a non-EC CA key");
        }
        int size = coordinateBytes(key);
        boolean matches = "EC".equals(jwk.path("kty").asText())
                && curveName(key).equals(jwk.path("crv").asText())
                && b64url(fixed(key.getW().getAffineX(), size)).equals(jwk.path("x").asText())
                && b64url(fixed(key.getW().getAffineY(), size)).equals(jwk.path("y").asText());
        if (!matches) {
            throw new IllegalArgumentException("a JWK of the SPIFFE bundle does not match its x5c certificate "
                    + Fingerprints.caId(ca) + " (the bundle was altered)");
        }
    }

    private static String curveName(ECPublicKey key) {
        return switch (KeyAlgorithm.of(key).orElseThrow(() -> new IllegalArgumentException("unsupported CA curve"))) {
            case EC_P256 -> "P-256";
            case EC_P384 -> "P-384";
        };
    }

    private static int coordinateBytes(ECPublicKey key) {
        return (key.getParams().getCurve().getField().getFieldSize() + 7) / 8;
    }

    private static byte[] fixed(BigInteger v, int size) {
        byte[] raw = v.toByteArray();
        if (raw.length == size) return raw;
        if (raw.length > size) return Arrays.copyOfRange(raw, raw.length - size, raw.length); // drop the sign byte
        byte[] out = new byte[size];
        System.arraycopy(raw, 0, out, size - raw.length, raw.length);
        return out;
    }

    private static String b64url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
