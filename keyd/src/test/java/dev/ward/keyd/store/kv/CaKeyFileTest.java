package dev.ward.keyd.store.kv;

import dev.ward.keyd.CaKeyring;
import dev.ward.store.CorruptRecordException;
import dev.ward.keyd.store.CaNotInitializedException;
import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.TrustDomains;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

class CaKeyFileTest {
    @TempDir
    Path dir;

    private static CertificateAuthority ca() {
        return CertificateAuthority.generate(TrustDomains.parse("cluster.test"), KeyAlgorithm.EC_P256, Duration.ofDays(1), Instant.now());
    }

    @Test
    void theKeyFileIsOwnerOnlyAndReplacementsAreCompareAndSet() throws Exception {
        CaKeyFile file = new CaKeyFile(dir.resolve("keyd/ca.pem"), "wardctl ca init");
        CertificateAuthority first = ca();
        assertTrue(file.create(CaKeyring.of(first)));
        assertFalse(file.create(CaKeyring.of(ca())), "a second init does not overwrite the CA");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));

        var loaded = file.load().orElseThrow();
        assertEquals(first.certificate(), loaded.value().active().certificate());
        CaKeyring rotated = loaded.value().rotatedTo(ca());
        assertTrue(file.replace(rotated, loaded.version()));
        assertFalse(file.replace(CaKeyring.of(ca()), loaded.version()), "a stale version loses");
        var again = file.load().orElseThrow().value();
        assertEquals(first.certificate(), again.retiring().orElseThrow().certificate());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
    }

    @Test
    void aKeyFileOthersCanReadIsRefused() throws Exception {
        CaKeyFile file = new CaKeyFile(dir.resolve("ca.pem"), "wardctl ca init");
        file.create(CaKeyring.of(ca()));
        Files.setPosixFilePermissions(file.path(), PosixFilePermissions.fromString("rw-r--r--"));
        var e = assertThrows(IllegalStateException.class, file::load);
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }

    @Test
    void aMissingFileNamesTheInitCommandAndAGarbledOneIsReported() throws Exception {
        CaKeyFile file = new CaKeyFile(dir.resolve("ca.pem"), "wardctl ca init --store dir:/x");
        var missing = assertThrows(CaNotInitializedException.class, file::require);
        assertTrue(missing.getMessage().contains("`wardctl ca init --store dir:/x`"), missing.getMessage());
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        Files.setPosixFilePermissions(dir.resolve("ca.pem"), PosixFilePermissions.fromString("rw-------"));
        assertThrows(CorruptRecordException.class, file::load);
    }
}
