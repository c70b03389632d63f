package dev.ward.keyd.store;

import dev.ward.trust.TrustStateCodec;
import dev.ward.trust.TamperedTrustException;
import dev.ward.store.StoreLocation;
import dev.ward.store.CorruptRecordException;
import dev.ward.keyd.CaKeyring;
import dev.ward.trust.Revocation;
import dev.ward.keyd.TrustPublisher;
import dev.ward.trust.TrustState;
import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.TrustDomains;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class CodecsTest {
    private static final Instant NOW = Instant.now();
    private final CertificateAuthority a = CertificateAuthority.generate(TrustDomains.parse("cluster.test"), KeyAlgorithm.EC_P256, Duration.ofDays(1), NOW);
    private final CertificateAuthority b = CertificateAuthority.generate(TrustDomains.parse("cluster.test"), KeyAlgorithm.EC_P384, Duration.ofDays(1), NOW);

    @Test
    void trustStateRoundTripsThroughItsDocuments() {
        Revocation r = new Revocation(new BigInteger("abcdef0123456789", 16), a.id(), "n1", NOW, NOW.plus(Duration.ofHours(1)));
        TrustState s = new TrustPublisher(Duration.ofHours(2)).publish(CaKeyring.of(a).rotatedTo(b), Optional.empty(), List.of(r), NOW);
        Map<String, String> docs = TrustStateCodec.encode(s);
        assertEquals(List.of("bundle.pem", "bundle.spiffe", "crl.pem", "revocations.json"), List.copyOf(docs.keySet()));
        assertTrue(docs.get("revocations.json").contains("\"abcdef0123456789\""), "serials in hex, as openssl prints them");
        TrustState back = TrustStateCodec.decode(docs, "1");
        assertEquals(s.bundle(), back.bundle());
        assertEquals(s.revocations(), back.revocations());
        assertEquals(s.sequence(), back.sequence());
    }

    @Test
    void documentsThatDisagreeAreTampered() {
        Map<String, String> docs = new HashMap<>(TrustStateCodec.encode(new TrustPublisher(Duration.ofHours(2))
                .publish(CaKeyring.of(a), Optional.empty(), List.of(), NOW)));
        Map<String, String> otherCa = TrustStateCodec.encode(new TrustPublisher(Duration.ofHours(2))
                .publish(CaKeyring.of(b), Optional.empty(), List.of(), NOW));
        Map<String, String> mixed = new HashMap<>(docs);
        mixed.put(TrustStateCodec.BUNDLE_SPIFFE, otherCa.get(TrustStateCodec.BUNDLE_SPIFFE));
        var e = assertThrows(TamperedTrustException.class, () -> TrustStateCodec.decode(mixed, "7"));
        assertEquals("7", e.version());
        Map<String, String> foreignCrl = new HashMap<>(docs);
        foreignCrl.put(TrustStateCodec.CRL_PEM, otherCa.get(TrustStateCodec.CRL_PEM));
        assertThrows(TamperedTrustException.class, () -> TrustStateCodec.decode(foreignCrl, "7"));
        Map<String, String> missing = new HashMap<>(docs);
        missing.remove(TrustStateCodec.REVOCATIONS);
        assertTrue(assertThrows(TamperedTrustException.class, () -> TrustStateCodec.decode(missing, "7")).getMessage().contains("revocations.json"));
    }

    @Test
    void keyringRoundTripsAsSecretDataAndAsAKeyFile() {
        CaKeyring k = CaKeyring.of(a).rotatedTo(b);
        CaKeyring viaSecret = CaKeyringCodec.decode(CaKeyringCodec.encode(k), "Secret x");
        assertEquals(b.certificate(), viaSecret.active().certificate());
        assertEquals(a.certificate(), viaSecret.retiring().orElseThrow().certificate());
        CaKeyring viaFile = CaKeyringCodec.decodeFile(CaKeyringCodec.encodeFile(k), "file");
        assertEquals(k.all().stream().map(CertificateAuthority::certificate).toList(), viaFile.all().stream().map(CertificateAuthority::certificate).toList());
        Map<String, String> swapped = new HashMap<>(CaKeyringCodec.encode(k));
        swapped.put(CaKeyringCodec.CA_KEY, CaKeyringCodec.encode(CaKeyring.of(a)).get(CaKeyringCodec.CA_KEY));
        var e = assertThrows(CorruptRecordException.class, () -> CaKeyringCodec.decode(swapped, "Secret ward-system/ward-ca"));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void storeLocationsParseAsOperatorsWriteThem() {
        assertInstanceOf(StoreLocation.Kubernetes.class, StoreLocation.parse("k8s"));
        assertEquals(List.of("http://10.0.0.1:2379", "http://10.0.0.2:2379"),
                ((StoreLocation.Etcd) StoreLocation.parse("etcd://10.0.0.1:2379,10.0.0.2:2379")).endpoints());
        assertEquals("/var/lib/ward", ((StoreLocation.Directory) StoreLocation.parse("dir:/var/lib/ward")).path().toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreLocation.parse("etcd://host")).getMessage().contains("HOST:PORT"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreLocation.parse("consul://x")).getMessage().contains("unknown store"));
        assertThrows(IllegalArgumentException.class, () -> StoreLocation.parse("dir:"));
    }
}
