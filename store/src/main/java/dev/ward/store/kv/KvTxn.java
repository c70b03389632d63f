package dev.ward.store.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An all-or-nothing write: every guard must hold (the key is at the given version; 0 means absent), then every
 * write applies. This is what lets two keyd replicas race on one request without both issuing.
 */
public final class KvTxn {
    public record Guard(String key, long version) {}

    /** A put, or a delete when {@code value} is null. */
    public record Write(String key, byte[] value) {}

    private final List<Guard> guards = new ArrayList<>();
    private final List<Write> writes = new ArrayList<>();

    public KvTxn expect(String key, long version) {
        guards.add(new Guard(key, version));
        return this;
    }

    public KvTxn expectAbsent(String key) {
        return expect(key, 0);
    }

    public KvTxn put(String key, String value) {
        writes.add(new Write(key, value.getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    public KvTxn delete(String key) {
        writes.add(new Write(key, null));
        return this;
    }

    public List<Guard> guards() {
        return List.copyOf(guards);
    }

    public List<Write> writes() {
        return List.copyOf(writes);
    }
}
