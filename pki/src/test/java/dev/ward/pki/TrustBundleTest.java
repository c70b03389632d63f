package dev.ward.pki;

import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TrustBundleTest {
    private final CertificateAuthority oldCa = TestPki.ca();
    private final CertificateAuthority newCa = TestPki.ca();
    private final TrustBundle rotating = new TrustBundle(TestPki.TD, List.of(newCa.certificate(), oldCa.certificate()));

    @Test
    void pemRoundTripKeepsOrderAndTrustDomain() {
        TrustBundle back = TrustBundle.fromPem(rotating.toPem());
        assertEquals(rotating, back);
        assertEquals(newCa.certificate(), back.issuing());
        assertEquals(TestPki.TD, back.trustDomain());
    }

    @Test
    void spiffeBundleRoundTripHoldsBothCasDuringRotation() {
        String json = SpiffeBundleJson.encode(rotating, 7, Duration.ofMinutes(5));
        assertTrue(json.contains("\"use\" : \"x509-svid\""), json);
        assertTrue(json.contains("\"spiffe_sequence\" : 7"), json);
        assertTrue(json.contains("\"crv\" : \"P-256\""), json);
        SpiffeBundleJson.Parsed parsed = SpiffeBundleJson.decode(json, TestPki.TD);
        assertEquals(rotating, parsed.bundle());
        assertEquals(7, parsed.sequence());
    }

    @Test
    void aJwkWhoseKeyDoesNotMatchItsCertificateIsRefused() {
        String json = SpiffeBundleJson.encode(rotating, 1, Duration.ofMinutes(5));
        String x = json.replaceAll("(?s).*?\"x\" : \"([^\"]+)\".*", "$1");
        char c = x.charAt(5);
        String tampered = json.replaceFirst("\"x\" : \"" + x, "\"x\" : \"" + x.substring(0, 5) + (c == 'A' ? 'B' : 'A') + x.substring(6));
        var e = assertThrows(IllegalArgumentException.class, () -> SpiffeBundleJson.decode(tampered, TestPki.TD));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpiffeBundleJson.decode("{\"keys\": 3}", TestPki.TD));
        assertThrows(IllegalArgumentException.class, () -> SpiffeBundleJson.decode("{", TestPki.TD));
    }

    @Test
    void aTamperedCaCertificateIsRefused() throws Exception {
        byte[] der = oldCa.certificate().getEncoded();
        der[der.length / 2] ^= 0x01; // inside the signed part
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
        var e = assertThrows(IllegalArgumentException.class, () -> TrustBundle.fromPem(pem));
        assertTrue(e.getMessage().contains("altered") || e.getMessage().contains("not readable") || e.getMessage().contains("not valid PEM"),
                e.getMessage());
    }

    @Test
    void aLeafOrAForeignCaInTheBundleIsRefused() throws Exception {
        X509Certificate leaf = TestPki.issue(oldCa, "n1").svid();
        var notCa = assertThrows(IllegalArgumentException.class, () -> new TrustBundle(TestPki.TD, List.of(oldCa.certificate(), leaf)));
        assertTrue(notCa.getMessage().contains("not a CA"), notCa.getMessage());

        CertificateAuthority foreign = CertificateAuthority.generate(TrustDomains.parse("other.test"), KeyAlgorithm.EC_P256, Duration.ofDays(1), TestPki.NOW);
        var wrongTd = assertThrows(IllegalArgumentException.class, () -> new TrustBundle(TestPki.TD, List.of(oldCa.certificate(), foreign.certificate())));
        assertTrue(wrongTd.getMessage().contains("other.test"), wrongTd.getMessage());

        assertThrows(IllegalArgumentException.class, () -> new TrustBundle(TestPki.TD, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new TrustBundle(TestPki.TD, List.of(oldCa.certificate(), oldCa.certificate())));
    }

    @Test
    void malformedPemNamesTheFile() {
        var e = assertThrows(MalformedPemException.class, () -> TrustBundle.fromPem("garbage"));
        assertTrue(e.getMessage().contains("the trust bundle"), e.getMessage());
        var key = assertThrows(MalformedPemException.class, () -> TrustBundle.fromPem(Pem.encode(oldCa.privateKey())));
        assertTrue(key.getMessage().contains("PRIVATE KEY"), key.getMessage());
    }
}
