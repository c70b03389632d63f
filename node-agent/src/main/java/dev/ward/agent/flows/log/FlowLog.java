package dev.ward.agent.flows.log;

import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.FlowJson;
import dev.ward.agent.flows.FlowSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's flow log: every flow of the hub as one JSON line ({@link FlowJson}), written by a thread of its own
 * from a bounded subscription, so neither the datapath's reader nor the proxies ever wait on the disk. Flows the
 * subscription could not hold are counted by the hub under {@code flowlog}; lines a failing disk could not take
 * under {@code flowlog_write}.
 */
public final class FlowLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlowLog.class);
    static final int QUEUE = 16_384;
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final FlowLogConfig config;
    private final FlowSubscription flows;
    private final RotatingFile file;
    private final AtomicLong unwritten = new AtomicLong();
    private final Thread writer;
    private static final long FLUSH_EVERY_NANOS = 1_000_000_000L;
    private long warnedAt = Long.MIN_VALUE / 2;
    private long flushedAt = System.nanoTime();

    private FlowLog(FlowLogConfig config, FlowHub hub) throws IOException {
        this.config = config;
        this.file = new RotatingFile(config);
        this.flows = hub.subscribe("flowlog", f -> true, QUEUE, 0);
        hub.countLosses("flowlog_write", unwritten::get);
        this.writer = Thread.ofPlatform().daemon().name("ward-flow-log").unstarted(this::run);
    }

    /** Opens (appending to) the log's file and starts writing what the hub delivers; fails if the file cannot be opened. */
    public static FlowLog start(FlowLogConfig config, FlowHub hub) throws IOException {
        FlowLog log = new FlowLog(config, hub);
        log.writer.start();
        return log;
    }

    private void run() {
        try {
            while (true) {
                Flow f = flows.poll(Duration.ofMillis(200));
                if (f != null) {
                    write(f);
                    // A busy log still reaches the disk at least once a second.
                    if (System.nanoTime() - flushedAt > FLUSH_EVERY_NANOS) flush();
                    continue;
                }
                flush();
                // Closed and drained: what was queued before the close is written.
                if (flows.closed()) return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                file.close();
            } catch (IOException e) {
                failed(e);
            }
        }
    }

    private void write(Flow f) {
        try {
            file.writeLine(FlowJson.toLine(f));
        } catch (IOException e) {
            failed(e);
        }
    }

    private void flush() {
        flushedAt = System.nanoTime();
        try {
            file.flush();
        } catch (IOException e) {
            failed(e);
        }
    }

    private void failed(IOException e) {
        unwritten.addAndGet(e instanceof RotatingFile.LinesLost l ? l.lines : 1);
        long now = System.nanoTime();
        if (now - warnedAt > WARN_EVERY_NANOS) {
            warnedAt = now;
            LOG.warn("writing the flow log {} failed (its flows are counted as lost until it works again): {}", config.path(), e.getMessage());
        }
    }

    /** Stops after writing what is queued. */
    @Override
    public void close() {
        flows.close();
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
