package dev.ward.store.kv;

import java.nio.charset.StandardCharsets;

/** A key's value and version (a store-wide revision of the write that produced it; always positive). */
public record KvEntry(String key, byte[] value, long version) {
    public String text() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
