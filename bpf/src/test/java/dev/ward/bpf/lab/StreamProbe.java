package dev.ward.bpf.lab;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A numbered line every 10 ms over one TCP connection to an echo server, each echo checked in order: after
 * {@link #stop()}, {@link #lost()} is how many lines never came back (or came back out of order).
 */
public final class StreamProbe implements AutoCloseable {
    private final SocketChannel channel;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger echoed = new AtomicInteger();
    private final AtomicReference<String> problem = new AtomicReference<>();
    private volatile boolean running = true;
    private final Thread writer;
    private final Thread reader;

    public StreamProbe(Pod from, InetAddress to, int port) {
        channel = Traffic.connect(from, to, port, Duration.ofSeconds(2));
        if (channel == null) throw new IllegalStateException("stream probe cannot connect to " + to.getHostAddress() + ":" + port);
        try {
            channel.socket().setSoTimeout(10000);
            PrintWriter out = new PrintWriter(channel.socket().getOutputStream(), true, StandardCharsets.UTF_8);
            BufferedReader in = new BufferedReader(new InputStreamReader(channel.socket().getInputStream(), StandardCharsets.UTF_8));
            writer = Thread.ofPlatform().daemon().start(() -> {
                while (running) {
                    out.println("line " + sent.getAndIncrement());
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        String l = in.readLine();
                        if (l == null) return;
                        int n = echoed.get();
                        if (!l.equals("line " + n)) problem.compareAndSet(null, "expected line " + n + ", got " + l);
                        echoed.incrementAndGet();
                    }
                } catch (Exception e) {
                    if (running) problem.compareAndSet(null, e.toString());
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops sending and waits (up to 5 s) for the echoes still in flight. */
    public void stop() throws InterruptedException {
        running = false;
        writer.join(2000);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (echoed.get() < sent.get() && System.nanoTime() < deadline) Thread.sleep(20);
    }

    public int sent() {
        return sent.get();
    }

    /** Lines echoed back so far, in order. */
    public int echoed() {
        return echoed.get();
    }

    public int lost() {
        return sent.get() - echoed.get();
    }

    public String problem() {
        return problem.get();
    }

    @Override
    public void close() throws Exception {
        running = false;
        channel.close();
        reader.join(2000);
    }
}
