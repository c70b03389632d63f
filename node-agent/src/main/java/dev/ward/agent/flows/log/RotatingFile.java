package dev.ward.agent.flows.log;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Lines appended to a file that is rotated by size: when the next line would take the file past its maximum, the
 * file becomes {@code .1}, {@code .1} becomes {@code .2} and so on, the oldest beyond the kept count is deleted, and
 * a new file is started. A line is never split across files. One writer thread; not thread-safe.
 */
final class RotatingFile implements AutoCloseable {
    private final FlowLogConfig config;
    private OutputStream out;
    private long size;

    RotatingFile(FlowLogConfig config) throws IOException {
        this.config = config;
        Path parent = config.path().toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        open();
    }

    private void open() throws IOException {
        out = new BufferedOutputStream(Files.newOutputStream(config.path(), StandardOpenOption.CREATE, StandardOpenOption.APPEND), 64 * 1024);
        size = Files.size(config.path());
    }

    void writeLine(String line) throws IOException {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        if (out == null) open();
        if (size > 0 && size + bytes.length > config.maxBytes()) rotate();
        out.write(bytes);
        size += bytes.length;
    }

    void flush() throws IOException {
        if (out != null) out.flush();
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        Path p = config.path();
        int keep = config.maxFiles() - 1;
        Files.deleteIfExists(rotated(keep + 1));
        if (keep == 0) {
            Files.delete(p);
        } else {
            Files.deleteIfExists(rotated(keep));
            for (int i = keep - 1; i >= 1; i--) {
                if (Files.exists(rotated(i))) Files.move(rotated(i), rotated(i + 1), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(p, rotated(1), StandardCopyOption.ATOMIC_MOVE);
        }
        open();
    }

    Path rotated(int n) {
        return config.path().resolveSibling(config.path().getFileName() + "." + n);
    }

    @Override
    public void close() throws IOException {
        if (out != null) out.close();
        out = null;
    }
}
