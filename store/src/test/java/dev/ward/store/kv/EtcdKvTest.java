package dev.ward.store.kv;

import dev.ward.testbed.EtcdProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class EtcdKvTest extends VersionedKvContract {
    private static EtcdProcess etcd;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
    }

    @AfterAll
    static void stop() {
        etcd.close();
    }

    @Override
    VersionedKv open() {
        EtcdKv kv = new EtcdKv(etcd.endpoint());
        kv.list("/").forEach(e -> kv.commit(new KvTxn().delete(e.key())));
        return kv;
    }

    @Test
    void anUnreachableEtcdIsReportedWithItsAddress() {
        try (EtcdKv dead = new EtcdKv(java.time.Duration.ofSeconds(1), "http://127.0.0.1:1")) {
            var e = assertThrows(KvStoreException.class, () -> dead.get("/x"));
            assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        }
    }

    @Test
    void aResumedWatchDeliversTheDeletionsItMissed() {
        EtcdKv etcdKv = (EtcdKv) kv;
        kv.commit(new KvTxn().put("/r/a", "1").put("/r/b", "2"));
        java.util.List<KvEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        EtcdKv.ResumingWatch watch = (EtcdKv.ResumingWatch) etcdKv.watch("/r/", events::add);
        try {
            watch.interruptForTest();
            // While no watch runs (a broken connection): one key deleted, one changed, one added.
            kv.commit(new KvTxn().delete("/r/a").put("/r/b", "22").put("/r/c", "3"));
            assertTrue(events.isEmpty(), events.toString());
            watch.resume();
            assertEquals(3, events.size(), events.toString());
            assertTrue(events.stream().anyMatch(e -> e.key().equals("/r/a") && e.deleted()), "the missed deletion: " + events);
            assertTrue(events.stream().anyMatch(e -> e.key().equals("/r/b") && "22".equals(e.text())), events.toString());
            assertTrue(events.stream().anyMatch(e -> e.key().equals("/r/c") && "3".equals(e.text())), events.toString());
            kv.commit(new KvTxn().delete("/r/c"));
            dev.ward.testbed.Eventually.await(java.time.Duration.ofSeconds(5), "the watch to go on after resuming", () -> events.size() == 4);
        } finally {
            watch.close();
        }
    }
}
