package dev.ward.agent.encryption;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds the byte strings that are signed or fed into a KDF. Every variable-length field carries its length,
 * so no two different field sequences encode to the same bytes: "ab"+"c" and "a"+"bc" differ.
 * Integers are big-endian and fixed-width.
 */
public final class CanonicalWriter {
    private byte[] buffer = new byte[128];
    private int length;

    public CanonicalWriter u8(int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException("u8 out of range: " + value);
        }
        put(value);
        return this;
    }

    public CanonicalWriter u16(int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException("u16 out of range: " + value);
        }
        put(value >>> 8);
        put(value);
        return this;
    }

    public CanonicalWriter u32(long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("u32 out of range: " + value);
        }
        for (int shift = 24; shift >= 0; shift -= 8) {
            put((int) (value >>> shift));
        }
        return this;
    }

    public CanonicalWriter u64(long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            put((int) (value >>> shift));
        }
        return this;
    }

    /** A byte string of at most 65535 bytes, prefixed with its 16-bit length. */
    public CanonicalWriter bytes16(byte[] value) {
        u16(checkedLength(value, 0xFFFF));
        putAll(value);
        return this;
    }

    /** A byte string prefixed with its 32-bit length (certificates, whole nested structures). */
    public CanonicalWriter bytes32(byte[] value) {
        u32(value.length);
        putAll(value);
        return this;
    }

    /** UTF-8 text prefixed with its 16-bit byte length. */
    public CanonicalWriter string(String value) {
        return bytes16(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes whose length is fixed by the format (magic numbers, raw keys of a known size). */
    public CanonicalWriter fixed(byte[] value) {
        putAll(value);
        return this;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buffer, length);
    }

    private void put(int b) {
        ensure(1);
        buffer[length++] = (byte) b;
    }

    private void putAll(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
    }

    private void ensure(int more) {
        if (buffer.length - length < more) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }

    private static int checkedLength(byte[] value, int max) {
        if (value.length > max) {
            throw new IllegalArgumentException("field of " + value.length + " bytes exceeds the limit of " + max);
        }
        return value.length;
    }
}
