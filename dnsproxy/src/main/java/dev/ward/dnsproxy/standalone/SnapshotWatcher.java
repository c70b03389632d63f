package dev.ward.dnsproxy.standalone;

import dev.ward.dnsproxy.snapshot.DnsSnapshot;
import dev.ward.dnsproxy.snapshot.DnsSnapshotFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Follows the agent's snapshot file: the agent replaces it by rename, so a changed file identity, size or mtime
 * means a new snapshot. A new one is read, checked and handed on only when its generation is newer; one that
 * cannot be read is reported and the rules in force stay.
 */
final class SnapshotWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotWatcher.class);

    private final Path file;
    private final Consumer<DnsSnapshot> onNewer;
    private Object lastKey;
    private long lastSize = -1;
    private long lastModified = -1;
    private long generation;

    SnapshotWatcher(Path file, long generation, Consumer<DnsSnapshot> onNewer) {
        this.file = file;
        this.generation = generation;
        this.onNewer = onNewer;
        changed();
    }

    /** One poll; called from a timer. */
    void poll() {
        if (!changed()) return;
        try {
            DnsSnapshot s = DnsSnapshotFile.read(file);
            if (s.generation() <= generation) return;
            generation = s.generation();
            onNewer.accept(s);
        } catch (RuntimeException e) {
            LOG.warn("keeping the rules of snapshot generation {}: {}", generation, e.getMessage());
        }
    }

    private boolean changed() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            boolean changed = !Objects.equals(a.fileKey(), lastKey) || a.size() != lastSize || a.lastModifiedTime().toMillis() != lastModified;
            lastKey = a.fileKey();
            lastSize = a.size();
            lastModified = a.lastModifiedTime().toMillis();
            return changed;
        } catch (IOException e) {
            return false;
        }
    }
}
