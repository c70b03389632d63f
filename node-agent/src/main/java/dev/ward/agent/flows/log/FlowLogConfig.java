package dev.ward.agent.flows.log;

import java.nio.file.Path;

/**
 * The agent's JSON-lines flow log ({@code ward agent --flow-log}).
 *
 * @param path     the file written to; rotated ones are {@code path.1} (newest) to {@code path.(maxFiles-1)}
 * @param maxBytes the size after which the file is rotated
 * @param maxFiles how many files are kept, the one being written included: the log never holds more than
 *                 {@code maxBytes * maxFiles} bytes (plus one line)
 */
public record FlowLogConfig(Path path, long maxBytes, int maxFiles) {
    public static final long DEFAULT_MAX_BYTES = 10L << 20;
    public static final int DEFAULT_MAX_FILES = 5;

    public FlowLogConfig {
        if (path == null) throw new IllegalArgumentException("the flow log needs a path");
        if (maxBytes < 1024) throw new IllegalArgumentException("the flow log's maximum size must be at least 1 KiB, not " + maxBytes + " bytes");
        if (maxFiles < 1 || maxFiles > 1000) throw new IllegalArgumentException("the flow log keeps 1-1000 files, not " + maxFiles);
    }
}
