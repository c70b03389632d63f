package dev.ward.dnsproxy.event;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DNS events appended to a file as JSON lines, written by a thread of its own so the I/O threads never wait on the
 * disk; when the queue is full an event is dropped and counted rather than slowing DNS.
 */
public final class JsonLinesEventLog implements DnsEventListener, AutoCloseable {
    private final BlockingQueue<DnsEvent> queue = new ArrayBlockingQueue<>(65_536);
    private final AtomicLong dropped = new AtomicLong();
    private final BufferedWriter out;
    private final Thread writer;
    private volatile boolean closing;

    public JsonLinesEventLog(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open DNS event log " + file + ": " + e.getMessage(), e);
        }
        writer = Thread.ofPlatform().daemon().name("ward-dns-events").start(this::drain);
    }

    @Override
    public void onEvent(DnsEvent event) {
        if (!queue.offer(event)) dropped.incrementAndGet();
    }

    public long dropped() {
        return dropped.get();
    }

    private void drain() {
        try {
            while (!closing || !queue.isEmpty()) {
                DnsEvent e = queue.poll(100, TimeUnit.MILLISECONDS);
                if (e == null) {
                    out.flush();
                    continue;
                }
                out.write(DnsEventJson.toLine(e));
                out.write('\n');
                if (queue.isEmpty()) out.flush();
            }
            out.flush();
        } catch (IOException | InterruptedException e) {
            // The log is best effort; DNS goes on without it.
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            writer.join(5000);
            out.close();
        } catch (InterruptedException | IOException e) {
            Thread.currentThread().interrupt();
        }
    }
}
