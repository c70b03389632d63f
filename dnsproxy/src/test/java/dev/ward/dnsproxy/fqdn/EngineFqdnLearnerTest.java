package dev.ward.dnsproxy.fqdn;

import dev.ward.dnsproxy.testing.AgentSide;
import dev.ward.dnsproxy.testing.RecordingDatapath;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.parse.PolicyParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TTLs with a minimum, open connections holding an address, a name held by two endpoints, and restarts. */
class EngineFqdnLearnerTest {
    static final String POLICY = dev.ward.dnsproxy.testing.TestPolicies.FQDN_EXAMPLE;

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        volatile Instant now = Instant.parse("2026-12-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    @TempDir
    Path dir;
    final TestClock clock = new TestClock();
    final Set<String> open = ConcurrentHashMap.newKeySet();
    final OpenConnections conntrack = (ep, a) -> open.contains(ep + "|" + a.getHostAddress());
    ExecutorService loop;
    PolicyEngine engine;
    RecordingDatapath datapath;
    EngineFqdnLearner learner;
    FqdnJournal journal;

    @BeforeEach
    void setUp() {
        start(new RecordingDatapath());
    }

    void start(RecordingDatapath dp) {
        loop = Executors.newSingleThreadExecutor();
        engine = new PolicyEngine("default");
        datapath = dp;
        on(() -> {
            Identity a = AgentSide.pod(300, "app=client");
            Identity b = AgentSide.pod(301, "app=client,role=b");
            engine.upsertIdentity(a);
            engine.upsertIdentity(b);
            datapath.apply(engine.upsertPolicy(new PolicyParser().parse(POLICY, "t").getFirst().policy()));
            datapath.apply(engine.upsertEndpoint(new LocalEndpoint("a", a)));
            datapath.apply(engine.upsertEndpoint(new LocalEndpoint("b", b)));
        });
        journal = FqdnJournal.open(dir.resolve("fqdn.jsonl"));
        learner = new EngineFqdnLearner(engine, loop, datapath, d -> {}, journal, conntrack, clock,
                new EngineFqdnLearner.Settings(Duration.ofSeconds(30), Duration.ofSeconds(5)), () -> {});
    }

    @AfterEach
    void tearDown() {
        journal.close();
        loop.shutdownNow();
    }

    void on(Runnable r) {
        try {
            loop.submit(r).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    boolean allows(String ep, String ip) {
        return datapath.allows(ep, ip(ip), Protocol.TCP, 443);
    }

    @Test
    void aShortTtlIsRaisedToTheMinimumAndThenExpires() throws Exception {
        learner.learn("a", "www.example.test", List.of(ip("192.0.2.1")), 5).get();
        assertTrue(allows("a", "192.0.2.1"));
        clock.advance(Duration.ofSeconds(20));
        on(learner::sweep);
        assertTrue(allows("a", "192.0.2.1"), "the 30 s minimum holds a 5 s TTL");
        clock.advance(Duration.ofSeconds(11));
        on(learner::sweep);
        assertFalse(allows("a", "192.0.2.1"), "expired");
        assertEquals(0, learner.size());
    }

    @Test
    void aLongTtlIsHonoured() throws Exception {
        learner.learn("a", "long.example.test", List.of(ip("192.0.2.2")), 600).get();
        clock.advance(Duration.ofSeconds(599));
        on(learner::sweep);
        assertTrue(allows("a", "192.0.2.2"));
        clock.advance(Duration.ofSeconds(2));
        on(learner::sweep);
        assertFalse(allows("a", "192.0.2.2"));
    }

    @Test
    void anOpenConnectionKeepsTheAddressUntilItCloses() throws Exception {
        learner.learn("a", "db.example.test", List.of(ip("192.0.2.3")), 30).get();
        open.add("a|192.0.2.3");
        clock.advance(Duration.ofSeconds(60));
        on(learner::sweep);
        assertTrue(allows("a", "192.0.2.3"), "cut a live connection");
        open.clear();
        clock.advance(Duration.ofSeconds(6));
        on(learner::sweep);
        assertFalse(allows("a", "192.0.2.3"));
    }

    @Test
    void anAddressStaysWhileAnyEndpointHoldsIt() throws Exception {
        learner.learn("a", "shared.example.test", List.of(ip("192.0.2.4")), 30).get();
        clock.advance(Duration.ofSeconds(20));
        learner.learn("b", "shared.example.test", List.of(ip("192.0.2.4")), 30).get();
        clock.advance(Duration.ofSeconds(15));
        on(learner::sweep);
        assertTrue(allows("b", "192.0.2.4"), "b's lookup is still valid");
        assertEquals(1, learner.size());
        clock.advance(Duration.ofSeconds(20));
        on(learner::sweep);
        assertFalse(allows("b", "192.0.2.4"));
    }

    @Test
    void learnedNamesSurviveARestartAndAreInTheDatapathBeforeServing() throws Exception {
        learner.learn("a", "www.example.test", List.of(ip("192.0.2.5"), ip("2001:db8::5")), 300).get();
        // A crash: nothing flushed or closed; the journal line was written before the answer went out.
        loop.shutdownNow();
        List<FqdnEntry> persisted = FqdnJournal.read(dir.resolve("fqdn.jsonl")).entries();
        assertEquals(2, persisted.size());
        journal.close();
        start(new RecordingDatapath());
        assertFalse(allows("a", "192.0.2.5"), "a fresh datapath knows nothing yet");
        learner.restore(persisted).get();
        assertTrue(allows("a", "192.0.2.5"));
        assertTrue(allows("a", "2001:db8::5"));
    }

    @Test
    void expiredEntriesAreNotRestored() throws Exception {
        learner.learn("a", "old.example.test", List.of(ip("192.0.2.6")), 30).get();
        List<FqdnEntry> persisted = FqdnJournal.read(dir.resolve("fqdn.jsonl")).entries();
        journal.close();
        loop.shutdownNow();
        clock.advance(Duration.ofMinutes(5));
        start(new RecordingDatapath());
        learner.restore(persisted).get();
        assertFalse(allows("a", "192.0.2.6"));
        assertTrue(Files.readString(dir.resolve("fqdn.jsonl")).lines().count() == 1, "compacted to the header");
    }

    @Test
    void aTornJournalLineIsSkippedAndABadHeaderNamed() throws Exception {
        learner.learn("a", "www.example.test", List.of(ip("192.0.2.7")), 300).get();
        Files.writeString(dir.resolve("fqdn.jsonl"), "{\"op\":\"learn\",\"endp", java.nio.file.StandardOpenOption.APPEND);
        FqdnJournal.Contents c = FqdnJournal.read(dir.resolve("fqdn.jsonl"));
        assertEquals(1, c.entries().size());
        assertEquals(1, c.skippedLines());
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"format\":\"something-else\",\"version\":1}\n");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FqdnJournal.read(bad));
        assertTrue(e.getMessage().contains("format is 'something-else', expected 'ward-fqdn-journal'"), e.getMessage());
    }
}
