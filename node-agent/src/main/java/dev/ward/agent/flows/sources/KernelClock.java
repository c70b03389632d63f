package dev.ward.agent.flows.sources;

import dev.ward.netlink.sys.LinuxSyscalls;

import java.time.Clock;
import java.time.Instant;

/**
 * Turns the datapath's event stamps ({@code bpf_ktime_get_ns()}, CLOCK_MONOTONIC) into wall-clock time. The offset
 * between the two clocks is taken again every {@link #RESYNC_NANOS}, as NTP slews the wall clock.
 */
final class KernelClock {
    static final long RESYNC_NANOS = 10_000_000_000L;

    private final Clock wall;
    private long offset;
    private long takenAt = Long.MIN_VALUE;

    KernelClock(Clock wall) {
        this.wall = wall;
    }

    Instant at(long monotonicNanos) {
        // Elapsed time needs no particular clock; only the offset is taken with CLOCK_MONOTONIC itself.
        long now = System.nanoTime();
        if (takenAt == Long.MIN_VALUE || now - takenAt > RESYNC_NANOS) {
            Instant w = wall.instant();
            offset = w.getEpochSecond() * 1_000_000_000L + w.getNano() - LinuxSyscalls.monotonicNanos();
            takenAt = now;
        }
        long epochNanos = offset + monotonicNanos;
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
    }
}
