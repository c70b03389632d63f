package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import io.netty.channel.EventLoop;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The two read deadlines of one connection, from the moment its upstream is connected. The header timeout bounds
 * how long the client may take to complete a message its parser needs whole (an HTTP head, a Kafka or CQL frame,
 * a memcached line), the first one included; the idle timeout closes a connection on which neither side sent a
 * byte for that long. Bytes a parser has already passed (a body) are not a message it waits for: a slow body is
 * bounded by the idle timeout only.
 *
 * <p>Everything runs on the connection's event loop. As in netty's IdleStateHandler, a read only records the
 * time; one check per deadline is scheduled for the earliest moment it could expire and, finding the deadline
 * moved on, schedules itself again.
 */
final class ConnectionDeadlines {
    /** Told once, on the event loop, when a deadline passed. */
    interface Expiry {
        void expired(ErrorKind kind, String reason);
    }

    private final EventLoop loop;
    private final long headerNanos;
    private final long idleNanos;
    private final Expiry expiry;
    private long lastRead;
    /** When the proxy began waiting for the client to complete a message; -1 while it waits for nothing. */
    private long awaitingSince = -1;
    private ScheduledFuture<?> headerCheck;
    private ScheduledFuture<?> idleCheck;
    private boolean running;

    /** @param headerNanos 0: no header timeout; @param idleNanos 0: no idle timeout */
    ConnectionDeadlines(EventLoop loop, long headerNanos, long idleNanos, Expiry expiry) {
        this.loop = loop;
        this.headerNanos = headerNanos;
        this.idleNanos = idleNanos;
        this.expiry = expiry;
    }

    void start() {
        running = true;
        lastRead = System.nanoTime();
        if (idleNanos > 0) idleCheck = loop.schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
    }

    /** Bytes arrived from either side. */
    void read() {
        lastRead = System.nanoTime();
    }

    /** Whether the proxy now waits for the client to send the rest of a message (and is reading the client). */
    void awaitingClient(boolean awaiting) {
        if (!running || headerNanos == 0) return;
        if (!awaiting) {
            awaitingSince = -1;
        } else if (awaitingSince < 0) {
            awaitingSince = System.nanoTime();
            if (headerCheck == null) headerCheck = loop.schedule(this::checkHeader, headerNanos, TimeUnit.NANOSECONDS);
        }
    }

    void stop() {
        running = false;
        if (headerCheck != null) headerCheck.cancel(false);
        if (idleCheck != null) idleCheck.cancel(false);
    }

    private void checkHeader() {
        headerCheck = null;
        if (!running || awaitingSince < 0) return;
        long left = awaitingSince + headerNanos - System.nanoTime();
        if (left > 0) {
            headerCheck = loop.schedule(this::checkHeader, left, TimeUnit.NANOSECONDS);
            return;
        }
        expire(ErrorKind.HEADER_TIMEOUT, "the client did not complete a request within the header timeout of "
                + millis(headerNanos));
    }

    private void checkIdle() {
        idleCheck = null;
        if (!running) return;
        long left = lastRead + idleNanos - System.nanoTime();
        if (left > 0) {
            idleCheck = loop.schedule(this::checkIdle, left, TimeUnit.NANOSECONDS);
            return;
        }
        expire(ErrorKind.IDLE_TIMEOUT, "neither side sent a byte for the idle timeout of " + millis(idleNanos));
    }

    private void expire(ErrorKind kind, String reason) {
        stop();
        expiry.expired(kind, reason);
    }

    static String millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
    }
}
