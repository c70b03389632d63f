package dev.ward.agent.encryption.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ward.agent.encryption.EpochKeyPair;
import dev.ward.agent.encryption.X25519;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyringFileTest {
    @TempDir
    Path dir;

    @Test
    void keysComeBackUsableAndOnlyTheOwnerCanReadThem() throws Exception {
        KeyringFile file = new KeyringFile(dir.resolve("state"));
        assertEquals(PersistedKeys.none(), file.load(), "nothing yet is a first start");
        EpochKeyPair older = EpochKeyPair.generate(7);
        EpochKeyPair current = EpochKeyPair.generate(9);
        Instant rotated = Instant.parse("2026-12-01T10:00:00Z");
        file.save(new PersistedKeys(List.of(older, current), 42, Optional.of(rotated)));

        PersistedKeys loaded = file.load();
        assertEquals(List.of(7L, 9L), loaded.keyring().stream().map(EpochKeyPair::epoch).toList());
        assertEquals(42, loaded.rotationRequestsHandled());
        assertEquals(Optional.of(rotated), loaded.lastRotation());
        EpochKeyPair peer = EpochKeyPair.generate(1);
        byte[] expected = X25519.agree(peer.keyPair().getPrivate(), current.publicKey().x25519());
        assertArrayEquals(expected, X25519.agree(loaded.keyring().get(1).keyPair().getPrivate(), peer.publicKey().x25519()),
                "the reloaded private key agrees on the same secret");
        assertEquals(current.publicKey(), loaded.keyring().get(1).publicKey());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
        try (var leftovers = Files.list(file.path().getParent())) {
            assertEquals(List.of(file.path()), leftovers.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void anUnreadableKeyringIsAnErrorNotANewStart() throws Exception {
        KeyringFile file = new KeyringFile(dir);
        Files.writeString(file.path(), "{\"version\":1,\"epochs\":[{\"epoch\":3,\"privateKey\":\"AAAA\",\"publicKey\":\"AAAA\"}]}");
        IllegalStateException broken = assertThrows(IllegalStateException.class, file::load);
        assertTrue(broken.getMessage().contains(file.path().toString()) && broken.getMessage().contains("epoch 3"), broken.getMessage());
        Files.writeString(file.path(), "[]");
        IllegalStateException wrong = assertThrows(IllegalStateException.class, file::load);
        assertTrue(wrong.getMessage().contains("is not a version 1 keyring"), wrong.getMessage());
    }
}
