package dev.ward.xfrm;

/**
 * What the kernel counted on an SA: traffic, times (seconds since the epoch; 0 = never used) and the
 * packets it dropped for replay or integrity failures.
 */
public record SaCounters(long bytes, long packets, long addTime, long useTime,
                         long replayWindowDrops, long replayDrops, long integrityFailures) {}
