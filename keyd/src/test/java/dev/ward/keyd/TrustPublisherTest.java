package dev.ward.keyd;

import dev.ward.trust.TrustState;
import dev.ward.trust.Revocation;
import dev.ward.pki.CertificateAuthority;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class TrustPublisherTest {
    private final TrustPublisher publisher = new TrustPublisher(Duration.ofHours(48));
    private final CertificateAuthority oldCa = TestCa.ca();
    private final CertificateAuthority newCa = TestCa.ca();

    @Test
    void theBundleIsTheKeyringAndEveryCaSignsItsOwnCrl() throws Exception {
        CaKeyring rotating = CaKeyring.of(oldCa).rotatedTo(newCa);
        var svid = TestCa.issue(oldCa, "n1").svid();
        Revocation r = new Revocation(svid.getSerialNumber(), oldCa.id(), "n1", TestCa.NOW, svid.getNotAfter().toInstant());
        TrustState s = publisher.publish(rotating, Optional.empty(), List.of(r), TestCa.NOW);
        assertEquals(List.of(newCa.certificate(), oldCa.certificate()), s.bundle().authorities());
        assertEquals(1, s.sequence());
        assertTrue(s.clusterTrust().crlFor(oldCa.certificate()).orElseThrow().isRevoked(svid));
        assertFalse(s.clusterTrust().crlFor(newCa.certificate()).orElseThrow().isRevoked(svid));
        assertEquals(TestCa.NOW.plus(Duration.ofHours(48)), s.crlsExpireAt());

        TrustState next = publisher.publish(rotating, Optional.of(s), List.of(), TestCa.NOW);
        assertEquals(2, next.sequence());
        assertEquals(List.of(r), next.revocations(), "revocations carry over");
    }

    @Test
    void expiredCertificatesAndRetiredCasLeaveTheCrl() throws Exception {
        var svid = TestCa.issue(oldCa, "n1").svid();
        Revocation r = new Revocation(svid.getSerialNumber(), oldCa.id(), "n1", TestCa.NOW, svid.getNotAfter().toInstant());
        TrustState s = publisher.publish(CaKeyring.of(oldCa).rotatedTo(newCa), Optional.empty(), List.of(r), TestCa.NOW);
        assertTrue(publisher.publish(CaKeyring.of(oldCa), Optional.of(s), List.of(), TestCa.NOW.plus(Duration.ofHours(25))).revocations().isEmpty());
        assertTrue(publisher.publish(CaKeyring.of(newCa), Optional.of(s), List.of(), TestCa.NOW).revocations().isEmpty());
    }

    @Test
    void stalenessNamesWhatIsWrong() throws Exception {
        CaKeyring keyring = CaKeyring.of(oldCa);
        TrustState s = publisher.publish(keyring, Optional.empty(), List.of(), TestCa.NOW);
        assertEquals(Optional.empty(), publisher.staleness(keyring, s, List.of(), TestCa.NOW.plus(Duration.ofHours(23))));
        assertTrue(publisher.staleness(keyring, s, List.of(), TestCa.NOW.plus(Duration.ofHours(25))).orElseThrow().contains("half"));
        assertTrue(publisher.staleness(keyring.rotatedTo(newCa), s, List.of(), TestCa.NOW).orElseThrow().contains("other CAs"));
        var svid = TestCa.issue(oldCa, "n1").svid();
        Revocation missing = new Revocation(svid.getSerialNumber(), oldCa.id(), "n1", TestCa.NOW, svid.getNotAfter().toInstant());
        assertTrue(publisher.staleness(keyring, s, List.of(missing), TestCa.NOW).orElseThrow().contains("n1"));

        // After the CA is retired its revocations are moot: they must not keep the state "stale" forever.
        CaKeyring afterRetire = CaKeyring.of(newCa);
        TrustState retired = publisher.publish(afterRetire, Optional.of(s), List.of(missing), TestCa.NOW);
        assertEquals(Optional.empty(), publisher.staleness(afterRetire, retired, List.of(missing), TestCa.NOW));
    }
}
