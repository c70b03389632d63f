package dev.ward.store.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DirectoryKvTest extends VersionedKvContract {
    @TempDir
    Path dir;

    @Override
    VersionedKv open() {
        return new DirectoryKv(dir);
    }

    @Test
    void keysAreFilesWithAVersionLineAndTwoHandlesShareOneLock() throws Exception {
        try (DirectoryKv other = new DirectoryKv(dir)) {
            assertTrue(other.commit(new KvTxn().expectAbsent("/ward/pki/nodes/a").put("/ward/pki/nodes/a", "{}")));
            assertFalse(kv.commit(new KvTxn().expectAbsent("/ward/pki/nodes/a").put("/ward/pki/nodes/a", "{}")));
        }
        Path file = dir.resolve(DirectoryKv.fileName("/ward/pki/nodes/a"));
        assertTrue(Files.readString(file).matches("\\d+\n\\{}"), Files.readString(file));
    }

    @Test
    void aHandEditedFileWithoutVersionIsReported() throws Exception {
        Files.writeString(dir.resolve(DirectoryKv.fileName("/x")), "no version");
        var e = assertThrows(KvStoreException.class, () -> kv.get("/x"));
        assertTrue(e.getMessage().contains("version"), e.getMessage());
    }
}
