package dev.ward.bpf.lab;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Tries a connection that policy must deny every 50 ms; {@link #succeeded()} counts the ones that got through. */
public final class DeniedProbe implements AutoCloseable {
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger succeeded = new AtomicInteger();
    private volatile boolean running = true;
    private final Thread thread;

    public DeniedProbe(Pod from, InetAddress to, int port) {
        thread = Thread.ofPlatform().daemon().start(() -> {
            while (running) {
                attempts.incrementAndGet();
                var c = Traffic.connect(from, to, port, Duration.ofMillis(200));
                if (c != null) {
                    succeeded.incrementAndGet();
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // counted
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    public int attempts() {
        return attempts.get();
    }

    public int succeeded() {
        return succeeded.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(2000);
    }
}
