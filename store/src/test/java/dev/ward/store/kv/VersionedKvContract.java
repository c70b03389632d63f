package dev.ward.store.kv;

import dev.ward.testbed.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** What Ward relies on from a key-value store, checked against each implementation. */
abstract class VersionedKvContract {
    VersionedKv kv;

    abstract VersionedKv open() throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        kv = open();
    }

    @AfterEach
    void tearDown() {
        kv.close();
    }

    @Test
    void guardsDecideWhetherTheWholeTransactionApplies() {
        assertTrue(kv.commit(new KvTxn().expectAbsent("/t/a").put("/t/a", "1")));
        assertFalse(kv.commit(new KvTxn().expectAbsent("/t/a").put("/t/a", "2")), "absent guard fails on an existing key");
        long v = kv.get("/t/a").orElseThrow().version();
        assertFalse(kv.commit(new KvTxn().expect("/t/a", v).expect("/t/b", 99).put("/t/a", "3").put("/t/c", "x")));
        assertEquals("1", kv.get("/t/a").orElseThrow().text(), "a failed guard writes nothing");
        assertTrue(kv.get("/t/c").isEmpty());
        assertTrue(kv.commit(new KvTxn().expect("/t/a", v).put("/t/a", "4").put("/t/c", "y")));
        assertTrue(kv.get("/t/a").orElseThrow().version() > v, "versions grow");
        assertFalse(kv.commit(new KvTxn().expect("/t/a", v).delete("/t/a")), "a stale version no longer matches");
        assertTrue(kv.commit(new KvTxn().delete("/t/c")));
        assertTrue(kv.get("/t/c").isEmpty());
    }

    @Test
    void listReturnsOnlyThePrefix() {
        kv.commit(new KvTxn().put("/p/x/1", "a").put("/p/x/2", "b").put("/p/y/1", "c"));
        assertEquals(List.of("/p/x/1", "/p/x/2"), kv.list("/p/x/").stream().map(KvEntry::key).sorted().toList());
    }

    @Test
    void watchesDeliverPutsAndDeletesUnderThePrefixPromptly() {
        List<KvEvent> events = new CopyOnWriteArrayList<>();
        try (var ignored = kv.watch("/w/", events::add)) {
            kv.commit(new KvTxn().put("/w/a", "1"));
            kv.commit(new KvTxn().put("/other", "x"));
            kv.commit(new KvTxn().delete("/w/a"));
            Eventually.await(Duration.ofSeconds(5), "two events", () -> events.size() >= 2);
        }
        assertEquals("/w/a", events.get(0).key());
        assertEquals("1", events.get(0).text());
        assertTrue(events.get(1).deleted());
        assertTrue(events.stream().noneMatch(e -> e.key().equals("/other")));
    }

    @Test
    void followDeliversWhatIsThereThenTheChanges() {
        kv.commit(new KvTxn().put("/f/a", "1").put("/f/b", "2").put("/g/x", "x"));
        List<KvEvent> events = new CopyOnWriteArrayList<>();
        try (var ignored = kv.follow("/f/", events::add)) {
            assertEquals(List.of("/f/a", "/f/b"), events.stream().map(KvEvent::key).sorted().toList(), "the listing comes first");
            kv.commit(new KvTxn().delete("/f/a"));
            kv.commit(new KvTxn().put("/f/c", "3"));
            Eventually.await(Duration.ofSeconds(5), "the two changes", () -> events.size() >= 4);
        }
        assertTrue(events.get(2).deleted() && events.get(2).key().equals("/f/a"), events.toString());
        assertEquals("3", events.get(3).text());
        assertEquals(4, events.size(), "nothing twice: " + events);
    }

    @Test
    void aPrefixCacheFollowsPutsAndDeletes() {
        kv.commit(new KvTxn().put("/c/a", "1").put("/c/b", "2"));
        try (PrefixCache cache = new PrefixCache(kv, "/c/")) {
            assertEquals(List.of("/c/a", "/c/b"), cache.entries().stream().map(KvEntry::key).toList());
            kv.commit(new KvTxn().delete("/c/a").put("/c/b", "22"));
            Eventually.await(Duration.ofSeconds(5), "the cache to follow", () -> cache.entries().size() == 1
                    && cache.entries().getFirst().text().equals("22"));
        }
    }
}
