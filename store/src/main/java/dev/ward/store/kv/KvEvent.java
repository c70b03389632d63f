package dev.ward.store.kv;

import java.nio.charset.StandardCharsets;

/** A change seen by a watch: the key's new value and version, or a deletion ({@code value == null}). */
public record KvEvent(String key, byte[] value, long version) {
    public boolean deleted() {
        return value == null;
    }

    public String text() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}
