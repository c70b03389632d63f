package dev.ward.lab;

import java.time.Duration;

/** A numbered UDP stream from one pod to another, running until stopped (see {@link LabTraffic.NumberedStream}). */
public interface PodStream {
    String name();

    int sentSoFar();

    int receivedSoFar();

    /** {@link System#nanoTime()} when the last datagram arrived (0: none yet). */
    long lastArrivalNanos();

    /** Stops sending, gives the last datagrams {@code settle} to arrive, and returns which never did. */
    SequenceTally.Result stop(Duration settle);
}
