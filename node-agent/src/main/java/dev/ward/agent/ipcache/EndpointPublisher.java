package dev.ward.agent.ipcache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps this node's record in the store equal to its endpoints: after every change it writes the node's whole
 * record, on a thread of its own (an endpoint is enforced locally before the store hears of it), coalescing changes
 * that arrive while a write is under way, and retrying with backoff while the store refuses.
 */
public final class EndpointPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointPublisher.class);
    private static final long FIRST_RETRY_MILLIS = 500;
    private static final long MAX_RETRY_MILLIS = 30_000;

    private final String node;
    private final EndpointRecords records;
    private final Supplier<NodeEndpoints> current;
    private final ScheduledExecutorService thread;
    private boolean pending;
    private long retryMillis = FIRST_RETRY_MILLIS;

    /** @param current this node's record as it should be now */
    public EndpointPublisher(String node, EndpointRecords records, Supplier<NodeEndpoints> current) {
        this.node = node;
        this.records = records;
        this.current = current;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name("ward-endpoint-publisher").unstarted(r));
        // A retry waiting for a refusing store must not hold up the agent's stop.
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = t;
    }

    /** This node's endpoints changed: write its record soon. */
    public synchronized void changed() {
        if (pending) return;
        pending = true;
        try {
            thread.execute(this::publish);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // closing: the next agent publishes at its start
        }
    }

    private void publish() {
        synchronized (this) {
            pending = false;
        }
        NodeEndpoints record = current.get();
        try {
            if (record.endpoints().isEmpty()) records.withdraw(node);
            else records.publish(record);
            retryMillis = FIRST_RETRY_MILLIS;
        } catch (RuntimeException e) {
            LOG.warn("node {}: cannot publish its {} endpoints to {} ({}); retrying in {} ms", node, record.endpoints().size(),
                    records.describe(), e.getMessage(), retryMillis);
            long delay = retryMillis;
            retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
            synchronized (this) {
                if (pending) return;
                pending = true;
            }
            try {
                thread.schedule(this::publish, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // closing
            }
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) thread.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }
}
