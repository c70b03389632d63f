package dev.ward.store.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ward.testbed.Eventually;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

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

    @Test
    void aBurstOfWritesThroughThisHandleIsDeliveredExactlyAndInOrder() {
        List<KvEvent> events = new CopyOnWriteArrayList<>();
        try (var ignored = kv.watch("/b/", events::add)) {
            for (int i = 0; i < 300; i++) {
                kv.commit(new KvTxn().put("/b/k", Integer.toString(i)));
                if (i % 3 == 2) kv.commit(new KvTxn().delete("/b/k"));
            }
            Eventually.await(Duration.ofSeconds(10), "400 events", () -> events.size() >= 400);
        }
        List<String> expected = IntStream.range(0, 300).boxed()
                .flatMap(i -> i % 3 == 2 ? java.util.stream.Stream.of(Integer.toString(i), "deleted") : java.util.stream.Stream.of(Integer.toString(i)))
                .toList();
        assertEquals(expected, events.stream().map(e -> e.deleted() ? "deleted" : e.text()).toList());
    }

    @Test
    void writesOfAnotherHandleArriveAsTheKeysStateAndNeverGoBack() throws Exception {
        List<KvEvent> events = new CopyOnWriteArrayList<>();
        try (DirectoryKv other = new DirectoryKv(dir); var ignored = kv.watch("/o/", events::add)) {
            for (int i = 0; i < 200; i++) other.commit(new KvTxn().put("/o/k", Integer.toString(i)));
            Eventually.await(Duration.ofSeconds(10), "the last write", () -> !events.isEmpty() && "199".equals(events.getLast().text()));
        }
        long[] versions = events.stream().mapToLong(KvEvent::version).toArray();
        for (int i = 1; i < versions.length; i++) assertTrue(versions[i] > versions[i - 1], "versions only grow: " + events);
    }
}
