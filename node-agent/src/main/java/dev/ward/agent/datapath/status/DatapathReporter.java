package dev.ward.agent.datapath.status;

import dev.ward.store.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps the node's {@link DatapathReport} in the store: it looks at the datapath and the proxies every
 * {@code checkEvery} and writes the report when what it says changed, and at least every {@link #HEARTBEAT} so that
 * readers can tell a report that holds from one whose agent stopped. A write that fails is logged and made at the
 * next look.
 */
public final class DatapathReporter implements AutoCloseable {
    /** The longest a running agent leaves its report unwritten; {@code wardctl status} calls one older than three of these stale. */
    public static final Duration HEARTBEAT = Duration.ofMinutes(5);
    public static final Duration CHECK_EVERY = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(DatapathReporter.class);

    private final String node;
    private final DatapathFacts facts;
    private final Supplier<Map<String, Integer>> proxies;
    private final DatapathReports reports;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private DatapathReport written;

    DatapathReporter(String node, DatapathFacts facts, Supplier<Map<String, Integer>> proxies, DatapathReports reports, Clock clock) {
        this.node = node;
        this.facts = facts;
        this.proxies = proxies;
        this.reports = reports;
        this.clock = clock;
        this.timer = DaemonThreads.single("ward-datapath-report");
    }

    /** Writes the first report, then looks again every {@code checkEvery}. */
    void start(Duration checkEvery) {
        reportNow();
        timer.scheduleWithFixedDelay(this::reportNow, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Writes the report now if it changed or is due; true if it wrote it. */
    public synchronized boolean reportNow() {
        try {
            DatapathFacts.Summary s = facts.read();
            Instant now = clock.instant();
            DatapathReport report = new DatapathReport(node, s.datapath(), s.endpoints(), s.enforced(), s.locked(), s.refusedPrograms(), proxies.get(), now);
            if (report.sameStateAs(written) && Duration.between(written.updatedAt(), now).compareTo(HEARTBEAT) < 0) return false;
            reports.write(report);
            if (written == null || !report.failsNothingClosed() && !report.sameStateAs(written)) {
                LOG.info("datapath report: {} endpoints ({} enforced, {} failed closed), refused programs {}, proxies {}",
                        report.endpoints(), report.enforced(), report.locked().size(), report.refusedPrograms().keySet(), report.proxies());
            }
            written = report;
            return true;
        } catch (RuntimeException e) {
            LOG.warn("cannot write the datapath report (trying again at the next look): {}", e.getMessage());
            return false;
        }
    }

    /** The report last written, or null before the first. */
    public synchronized DatapathReport written() {
        return written;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
