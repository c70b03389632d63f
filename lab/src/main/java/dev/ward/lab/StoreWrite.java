package dev.ward.lab;

/**
 * An operator's wardctl command that writes the store (a rotation request, a revocation): its outcome, when the
 * scenario saw the write land in the store ({@link System#nanoTime()}, 0 if it saw none), and when it returned.
 * Deadlines such as "within 5 s of the revocation" count from the write, not from a JVM's start.
 */
public record StoreWrite(WardJvm.Outcome outcome, long storedAtNanos, long returnedNanos) {
    /** When the write landed, or the command's return when no store event was seen. */
    public long committedNanos() {
        return storedAtNanos != 0 ? storedAtNanos : returnedNanos;
    }

    public double secondsSinceCommitted() {
        return (System.nanoTime() - committedNanos()) / 1e9;
    }
}
