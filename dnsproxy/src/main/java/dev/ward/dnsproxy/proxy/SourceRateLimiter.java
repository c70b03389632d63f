package dev.ward.dnsproxy.proxy;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per source address, so one pod flooding the proxy cannot starve the others: each source may send
 * {@code perSecond} queries a second on average and {@code burst} at once. A rate of 0 turns limiting off.
 */
public final class SourceRateLimiter {
    static final int MAX_TRACKED = 65_536;

    private static final class Bucket {
        double tokens;
        long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }
    }

    private final double perNano;
    private final double burst;
    private final LongSupplier nanoClock;
    private final Map<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();

    public SourceRateLimiter(int perSecond, int burst, LongSupplier nanoClock) {
        if (perSecond < 0 || burst < 0) throw new IllegalArgumentException("rate limit and burst must not be negative");
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(burst, perSecond == 0 ? 0 : 1);
        this.nanoClock = nanoClock;
    }

    public boolean tryAcquire(InetAddress source) {
        if (perNano == 0) return true;
        long now = nanoClock.getAsLong();
        Bucket b = buckets.get(source);
        if (b == null) {
            if (buckets.size() >= MAX_TRACKED) forgetIdle(now);
            b = buckets.computeIfAbsent(source, k -> new Bucket(burst, now));
        }
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.refilledAt) * perNano);
            b.refilledAt = now;
            if (b.tokens < 1) return false;
            b.tokens -= 1;
            return true;
        }
    }

    /** A bucket that refilled completely carries no state worth keeping. */
    private void forgetIdle(long now) {
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                return b.tokens + (now - b.refilledAt) * perNano >= burst;
            }
        });
        if (buckets.size() >= MAX_TRACKED) buckets.clear();
    }
}
