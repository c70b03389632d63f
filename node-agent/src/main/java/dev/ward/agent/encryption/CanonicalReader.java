package dev.ward.agent.encryption;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads what {@link CanonicalWriter} wrote. Every read names the field it expects, so a truncated or
 * corrupted input fails with the field and byte offset at fault instead of a bare index exception.
 */
public final class CanonicalReader {
    private final byte[] input;
    private final int limit;
    private int position;

    public CanonicalReader(byte[] input) {
        this(input, 0, input.length);
    }

    private CanonicalReader(byte[] input, int from, int limit) {
        this.input = input;
        this.position = from;
        this.limit = limit;
    }

    public int position() {
        return position;
    }

    public int u8(String field) {
        return (int) bigEndian(field, 1);
    }

    public int u16(String field) {
        return (int) bigEndian(field, 2);
    }

    public long u32(String field) {
        return bigEndian(field, 4);
    }

    public long u64(String field) {
        return bigEndian(field, 8);
    }

    private long bigEndian(String field, int width) {
        require(field, width);
        long value = 0;
        for (int i = 0; i < width; i++) {
            value = (value << 8) | (input[position++] & 0xFF);
        }
        return value;
    }

    public byte[] bytes16(String field) {
        int start = position;
        int length = u16(field + " length");
        return take(field, start, length);
    }

    public byte[] bytes32(String field) {
        int start = position;
        long length = u32(field + " length");
        if (length > limit - position) {
            throw new MalformedEncodingException(field, start,
                    "declares " + length + " bytes but only " + (limit - position) + " remain");
        }
        return take(field, start, (int) length);
    }

    /**
     * A 32-bit-length-prefixed nested structure, read in place: offsets in its errors stay relative to the
     * whole input, so they point at the right byte.
     */
    public CanonicalReader nested(String field) {
        int start = position;
        long length = u32(field + " length");
        if (length > limit - position) {
            throw new MalformedEncodingException(field, start,
                    "declares " + length + " bytes but only " + (limit - position) + " remain");
        }
        CanonicalReader inner = new CanonicalReader(input, position, position + (int) length);
        position += (int) length;
        return inner;
    }

    public String string(String field) {
        int start = position;
        byte[] raw = bytes16(field);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedEncodingException(field, start, "is not valid UTF-8");
        }
    }

    public byte[] fixed(String field, int length) {
        return take(field, position, length);
    }

    /** Fails unless every byte was consumed: trailing bytes would otherwise ride along unsigned. */
    public void requireEnd(String what) {
        if (position != limit) {
            throw new MalformedEncodingException(what, position,
                    "has " + (limit - position) + " trailing bytes after the last field");
        }
    }

    private byte[] take(String field, int fieldStart, int length) {
        if (length > limit - position) {
            throw new MalformedEncodingException(field, fieldStart,
                    "declares " + length + " bytes but only " + (limit - position) + " remain");
        }
        byte[] value = Arrays.copyOfRange(input, position, position + length);
        position += length;
        return value;
    }

    private void require(String field, int length) {
        if (limit - position < length) {
            throw new MalformedEncodingException(field, position,
                    "needs " + length + " bytes but only " + (limit - position) + " remain");
        }
    }
}
