package dev.ward.agent.datapath.status;

import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * When the reporter writes, on a directory store with a clock the test moves: on a change, not while nothing changes,
 * again at the heartbeat (so a reader can tell a live agent's report from a stopped one's), and again after a failed
 * write.
 */
class DatapathReporterTest {
    @TempDir
    Path tmp;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-02T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @Test
    void writesOnAChangeAndAtTheHeartbeatAndRetriesAFailedWrite() throws Exception {
        AtomicReference<Integer> endpoints = new AtomicReference<>(1);
        DatapathFacts facts = () -> new DatapathFacts.Summary("bpf", endpoints.get(), endpoints.get(), List.of(), Map.of());
        try (ClusterStore store = new ClusterStore.KeyValue(new DirectoryKv(tmp.resolve("kv")), new StoreLocation.Directory(tmp))) {
            DatapathReports reports = DatapathReports.on(store);
            AtomicReference<Boolean> refuse = new AtomicReference<>(false);
            // The store as the agent sees it, which can be made to refuse writes (an unreachable etcd, a lost API server).
            DatapathReports flaky = new DatapathReports() {
                @Override
                public void write(DatapathReport report) {
                    if (refuse.get()) throw new IllegalStateException("the store is unreachable");
                    reports.write(report);
                }

                @Override
                public List<DatapathReport> all() {
                    return reports.all();
                }

                @Override
                public boolean remove(String node) {
                    return reports.remove(node);
                }

                @Override
                public java.util.Set<String> nodes() {
                    return reports.nodes();
                }
            };
            DatapathReporter reporter = new DatapathReporter("n1", facts, () -> Map.of("dns", 40053), flaky, clock);

            assertTrue(reporter.reportNow(), "the first report");
            now.set(now.get().plusSeconds(60));
            assertFalse(reporter.reportNow(), "nothing changed, the heartbeat is not due");
            assertEquals(Instant.parse("2026-12-02T10:00:00Z"), reports.all().getFirst().updatedAt());

            endpoints.set(2);
            assertTrue(reporter.reportNow(), "a change is written at once");
            assertEquals(2, reports.all().getFirst().endpoints());

            now.set(now.get().plus(DatapathReporter.HEARTBEAT).minusSeconds(1));
            assertFalse(reporter.reportNow());
            now.set(now.get().plusSeconds(1));
            assertTrue(reporter.reportNow(), "unchanged, but the heartbeat is due");
            assertEquals(now.get(), reports.all().getFirst().updatedAt());

            // The store refuses writes: the change is written once it accepts them again.
            endpoints.set(3);
            refuse.set(true);
            assertFalse(reporter.reportNow(), "a failed write is not taken as written");
            assertEquals(2, reports.all().getFirst().endpoints());
            refuse.set(false);
            assertTrue(reporter.reportNow(), "written at the next look");
            assertEquals(3, reports.all().getFirst().endpoints());
        }
    }
}
