package dev.ward.agent.flows.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Lines appended to a file that is rotated by size: when the next line would take the file past its maximum, the
 * file becomes {@code .1}, {@code .1} becomes {@code .2} and so on, the oldest beyond the kept count is deleted, and
 * a new file is started. A line is never split across files. Lines are gathered in a buffer and written together;
 * when a write fails, the lines it held are lost and counted ({@link LinesLost}), and the file is reopened on the
 * next line. One writer thread; not thread-safe.
 */
final class RotatingFile implements AutoCloseable {
    /** A write failed; {@code lines} lines are lost. */
    static final class LinesLost extends IOException {
        final int lines;

        LinesLost(int lines, IOException cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
            this.lines = lines;
        }
    }

    private static final int BUFFER = 64 * 1024;

    private final FlowLogConfig config;
    private final ByteBuffer pending = ByteBuffer.allocate(BUFFER);
    private int pendingLines;
    private FileChannel out;
    private long size;

    RotatingFile(FlowLogConfig config) throws IOException {
        this.config = config;
        Path parent = config.path().toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        open();
    }

    private void open() throws IOException {
        out = FileChannel.open(config.path(), StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        size = out.size();
    }

    void writeLine(String line) throws IOException {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        if (out == null) {
            try {
                open();
            } catch (IOException e) {
                throw new LinesLost(1, e);
            }
        }
        if (size > 0 && size + bytes.length > config.maxBytes()) {
            flush();
            try {
                rotate();
            } catch (IOException e) {
                closeQuietly();
                throw new LinesLost(1, e);
            }
        }
        if (bytes.length > pending.remaining()) {
            try {
                flush();
            } catch (LinesLost l) {
                throw new LinesLost(l.lines + 1, (IOException) l.getCause());
            }
        }
        if (bytes.length > pending.capacity()) {
            write(ByteBuffer.wrap(bytes), 1);
        } else {
            pending.put(bytes);
            pendingLines++;
        }
        size += bytes.length;
    }

    /** Writes what is gathered; a failure loses (and reports) those lines. */
    void flush() throws IOException {
        if (pendingLines == 0) return;
        pending.flip();
        int lines = pendingLines;
        pendingLines = 0;
        try {
            write(pending, lines);
        } finally {
            pending.clear();
        }
    }

    private void write(ByteBuffer b, int lines) throws LinesLost {
        long before = -1;
        try {
            before = out.size();
            while (b.hasRemaining()) out.write(b);
        } catch (IOException e) {
            // A write cut short (a full disk) leaves part of a line: take it back, so the file stays whole lines.
            if (before >= 0) {
                try {
                    out.truncate(before);
                } catch (IOException ignored) {
                    // the next reader sees one broken line; nothing better can be done
                }
            }
            closeQuietly();
            throw new LinesLost(lines, e);
        }
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        Path p = config.path();
        int keep = config.maxFiles() - 1;
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

    private void closeQuietly() {
        try {
            if (out != null) out.close();
        } catch (IOException ignored) {
            // reopened on the next line
        }
        out = null;
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            closeQuietly();
        }
    }
}
