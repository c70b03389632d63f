package dev.ward.dnsproxy.fqdn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.policy.model.Cidr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learned names on disk, so they survive a restart: a JSON-lines journal, one line per learned answer or
 * forgotten address, appended before the answer is released. An append is one write to the page cache (no fsync), so
 * it survives the process being killed at any point, which is the restart that matters; a torn last line is ignored.
 * Compaction rewrites the live entries to a new file and renames it over the old one, so a reader sees either.
 *
 * <pre>
 * {"format":"ward-fqdn-journal","version":1}
 * {"op":"learn","endpoint":"default/web-1","name":"api.example.com","addresses":["198.51.100.7"],"expires":1767225600000}
 * {"op":"forget","endpoint":"default/web-1","name":"api.example.com","address":"198.51.100.7"}
 * </pre>
 */
public final class FqdnJournal implements AutoCloseable {
    public static final String FORMAT = "ward-fqdn-journal";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a read found: the live entries and how many lines it could not use (a torn tail, a bad line). */
    public record Contents(List<FqdnEntry> entries, int skippedLines) {}

    private final Path file;
    private FileChannel out;
    private int appendedLines;

    private FqdnJournal(Path file) {
        this.file = file;
    }

    /** Opens (creating) the journal at {@code file} for appending; read it first with {@link #read} to restore. */
    public static FqdnJournal open(Path file) {
        FqdnJournal j = new FqdnJournal(file);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!Files.exists(file)) j.rewrite(List.of());
            j.out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open FQDN journal " + file + ": " + e.getMessage(), e);
        }
        return j;
    }

    public Path file() {
        return file;
    }

    public void learned(String endpoint, String name, List<InetAddress> addresses, long expiresAtMillis) {
        ObjectNode n = JSON.createObjectNode().put("op", "learn").put("endpoint", endpoint).put("name", name);
        ArrayNode a = n.putArray("addresses");
        for (InetAddress ad : addresses) a.add(ad.getHostAddress());
        n.put("expires", expiresAtMillis);
        append(n);
    }

    public void forgot(String endpoint, String name, InetAddress address) {
        append(JSON.createObjectNode().put("op", "forget").put("endpoint", endpoint).put("name", name)
                .put("address", address.getHostAddress()));
    }

    public int appendedLines() {
        return appendedLines;
    }

    /** Replaces the file with exactly {@code live}, atomically, and appends after it from then on. */
    public void compact(Collection<FqdnEntry> live) {
        try {
            if (out != null) out.close();
            rewrite(live);
            out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            appendedLines = 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compact FQDN journal " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            if (out != null) {
                out.force(true);
                out.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close FQDN journal " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a journal (this process's or another's) and replays it into the entries it leaves. */
    public static Contents read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read FQDN journal " + file + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty()) throw new IllegalArgumentException(file + " is empty: not an FQDN journal");
        checkHeader(file, lines.getFirst());
        Map<String, FqdnEntry> live = new LinkedHashMap<>();
        int skipped = 0;
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            try {
                JsonNode n = JSON.readTree(line);
                String op = text(n, "op");
                String ep = text(n, "endpoint");
                String name = text(n, "name");
                switch (op) {
                    case "learn" -> {
                        long expires = n.path("expires").asLong(-1);
                        if (expires < 0) throw new IllegalArgumentException("no 'expires'");
                        for (JsonNode a : n.path("addresses")) {
                            FqdnEntry e = new FqdnEntry(ep, name, address(a.asText()), expires);
                            live.merge(key(e), e, (x, y) -> y.expiresAtMillis() > x.expiresAtMillis() ? y : x);
                        }
                    }
                    case "forget" -> live.remove(key(new FqdnEntry(ep, name, address(text(n, "address")), 0)));
                    default -> throw new IllegalArgumentException("unknown op '" + op + "'");
                }
            } catch (IOException | IllegalArgumentException e) {
                skipped++;
            }
        }
        return new Contents(new ArrayList<>(live.values()), skipped);
    }

    private static void checkHeader(Path file, String line) {
        JsonNode h;
        try {
            h = JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": first line is not JSON, so not an FQDN journal");
        }
        if (!FORMAT.equals(h.path("format").asText())) {
            throw new IllegalArgumentException(file + ": format is '" + h.path("format").asText() + "', expected '" + FORMAT + "'");
        }
        if (h.path("version").asInt(-1) != VERSION) {
            throw new IllegalArgumentException(file + ": journal version " + h.path("version") + " is not supported (this proxy reads version " + VERSION + ")");
        }
    }

    private void append(ObjectNode n) {
        try {
            ByteBuffer b = ByteBuffer.wrap((JSON.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) out.write(b);
            appendedLines++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to FQDN journal " + file + ": " + e.getMessage(), e);
        }
    }

    private void rewrite(Collection<FqdnEntry> live) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StringBuilder sb = new StringBuilder();
        sb.append(JSON.writeValueAsString(JSON.createObjectNode().put("format", FORMAT).put("version", VERSION))).append('\n');
        for (FqdnEntry e : live) {
            ObjectNode n = JSON.createObjectNode().put("op", "learn").put("endpoint", e.endpoint()).put("name", e.name());
            n.putArray("addresses").add(e.address().getHostAddress());
            n.put("expires", e.expiresAtMillis());
            sb.append(JSON.writeValueAsString(n)).append('\n');
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) c.write(b);
            c.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + file + " cannot rename atomically", e);
        }
    }

    private static String key(FqdnEntry e) {
        return e.endpoint() + "\u0000" + e.name() + "\u0000" + e.address().getHostAddress();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("no '" + field + "'");
        return v.asText();
    }

    /** Addresses are literals; parsing them never resolves a name. */
    private static InetAddress address(String text) {
        if (!Cidr.isAddress(text)) throw new IllegalArgumentException("'" + text + "' is not an IP address");
        return Cidr.parse(text).address();
    }
}
