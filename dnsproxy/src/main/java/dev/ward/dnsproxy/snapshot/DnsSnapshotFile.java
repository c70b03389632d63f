package dev.ward.dnsproxy.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The snapshot on disk: JSON, replaced atomically (written to a temporary file in the same directory, synced, renamed
 * over the old one, the directory synced), so a reader sees the old snapshot or the new one and never a mix. Mode
 * 0600: it lists the node's pods and policies.
 */
public final class DnsSnapshotFile {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private DnsSnapshotFile() {}

    public static void write(Path file, DnsSnapshot snapshot) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            byte[] bytes = JSON.writeValueAsBytes(snapshot);
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) c.write(b);
                c.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new UncheckedIOException("cannot replace " + file + " atomically on its file system", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write DNS snapshot " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads and checks a snapshot; a problem is reported naming the file and what is wrong in it. */
    public static DnsSnapshot read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read DNS snapshot " + file + ": " + e.getMessage(), e);
        }
        DnsSnapshot s;
        try {
            s = JSON.readValue(bytes, DnsSnapshot.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not a DNS snapshot: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        check(file, s);
        return s;
    }

    private static void check(Path file, DnsSnapshot s) {
        if (!DnsSnapshot.FORMAT.equals(s.format())) {
            throw new IllegalArgumentException(file + ": format is '" + s.format() + "', expected '" + DnsSnapshot.FORMAT + "'");
        }
        if (s.version() < DnsSnapshot.OLDEST_READ || s.version() > DnsSnapshot.VERSION) {
            throw new IllegalArgumentException(file + ": snapshot version " + s.version() + " is not supported (this proxy reads versions "
                    + DnsSnapshot.OLDEST_READ + " to " + DnsSnapshot.VERSION + "); run the proxy of the agent's release");
        }
        if (s.version() < 2 && !s.proxyPorts().isEmpty()) {
            throw new IllegalArgumentException(file + ": a version " + s.version() + " snapshot has no proxyPorts (they came with version 2)");
        }
        s.proxyPorts().forEach((type, port) -> {
            if (port == null || port < 1 || port > 65535) {
                throw new IllegalArgumentException(file + ": proxyPorts." + type + " is " + port + ", not a port (1-65535)");
            }
        });
        if (s.generation() < 0) throw new IllegalArgumentException(file + ": generation " + s.generation() + " is negative");
        if (s.cluster() == null || s.cluster().isBlank()) throw new IllegalArgumentException(file + ": no cluster name");
        for (int i = 0; i < s.endpoints().size(); i++) {
            DnsSnapshot.EndpointEntry e = s.endpoints().get(i);
            if (e.name() == null || e.name().isBlank()) throw new IllegalArgumentException(file + ": endpoints[" + i + "] has no name");
            if (e.addresses() == null || e.addresses().isEmpty()) {
                throw new IllegalArgumentException(file + ": endpoint " + e.name() + " has no addresses (its queries could not be told apart)");
            }
        }
    }
}
