package dev.ward.agent.flows;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * One reader of the {@link FlowHub} (the flow log, a {@code wardctl monitor}): the flows that match its filter, in
 * the order the hub saw them, in a bounded queue. The hub never waits for a reader: a flow that finds the queue full
 * is dropped for this reader alone and counted.
 */
public final class FlowSubscription implements AutoCloseable {
    private final String name;
    private final Predicate<Flow> filter;
    private final BlockingQueue<Flow> queue;
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong lostReported = new AtomicLong();
    private final Runnable onClose;
    private volatile boolean closed;
    private volatile int replayed;
    /** Put in the queue at close so a reader waiting in {@link #poll} wakes at once. */
    private static final Flow WAKE = new Flow(java.time.Instant.EPOCH, "", FlowVerdict.ERROR, dev.ward.policy.model.Direction.EGRESS,
            new FlowPeer(null, 0, 0, null, null), new FlowPeer(null, 0, 0, null, null), "", null, null, new FlowDetail.L3L4("", 0, 0, 0, 0, 0));

    FlowSubscription(String name, Predicate<Flow> filter, int capacity, Runnable onClose) {
        if (capacity < 1) throw new IllegalArgumentException("a subscription's queue holds at least one flow, not " + capacity);
        this.name = name;
        this.filter = filter;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.onClose = onClose;
    }

    public String name() {
        return name;
    }

    /** Hub thread: hands a flow over if it matches; never waits. True if the flow is now queued. */
    boolean offer(Flow f) {
        if (closed || !filter.test(f)) return false;
        if (queue.offer(f)) return true;
        lost.incrementAndGet();
        return false;
    }

    /** Under the hub's history lock, before any live flow: the first {@code n} flows queued are the replay. */
    void replayed(int n) {
        replayed = n;
    }

    /** How many of the first flows in this subscription came from the hub's history rather than live. */
    public int replayed() {
        return replayed;
    }

    boolean matches(Flow f) {
        return filter.test(f);
    }

    /** The next flow, waiting up to {@code timeout}; null if none came or the subscription is closed. */
    public Flow poll(Duration timeout) throws InterruptedException {
        if (closed && queue.isEmpty()) return null;
        Flow f = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return f == WAKE ? null : f;
    }

    /** Flows dropped for this reader since it subscribed. */
    public long lost() {
        return lost.get();
    }

    /** Flows dropped since the last call: what a reader reports to its own client. */
    public long lostSinceLastAsked() {
        long now = lost.get();
        return now - lostReported.getAndSet(now);
    }

    public boolean closed() {
        return closed;
    }

    /** Stops delivery; what is queued can still be polled. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        onClose.run();
        // A full queue needs no wake-up: its reader is not waiting.
        queue.offer(WAKE);
    }
}
