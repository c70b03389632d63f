package dev.ward.cli.xfrm;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One object of an xfrm spec, read field by field: each field read is marked, {@link #done} refuses the fields
 * nobody read, and numbers are range-checked before they are narrowed, so nothing is silently dropped or wrapped.
 * Errors name the field's JSON path.
 */
final class JsonObject {
    static final long U32_MAX = 0xffff_ffffL;

    private final JsonNode node;
    private final String at;
    private final Set<String> read = new HashSet<>();

    private JsonObject(JsonNode node, String at) {
        this.node = node;
        this.at = at;
    }

    static JsonObject of(JsonNode node, String at) {
        if (node == null || !node.isObject()) throw new IllegalArgumentException(at + ": must be an object, not " + node);
        return new JsonObject(node, at);
    }

    String at() {
        return at;
    }

    String path(String field) {
        return at.isEmpty() ? field : at + "." + field;
    }

    boolean has(String field) {
        return node.has(field) && !node.get(field).isNull();
    }

    private JsonNode take(String field) {
        read.add(field);
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    /** @param hint what the object may hold, for an unknown field's message; null for none */
    void done(String hint) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!read.contains(f)) throw new IllegalArgumentException(path(f) + ": unknown field" + (hint == null ? "" : " (" + hint + ")"));
        }
    }

    JsonObject object(String field) {
        JsonNode v = take(field);
        return v == null ? null : of(v, path(field));
    }

    List<JsonObject> objects(String field) {
        JsonNode v = take(field);
        if (v == null) return List.of();
        if (!v.isArray()) throw new IllegalArgumentException(path(field) + ": must be a list, not " + (v.isObject() ? "an object" : v));
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) out.add(of(v.get(i), path(field) + "[" + i + "]"));
        return out;
    }

    /** A string, or {@code dflt} when absent; absent without a default is an error. */
    String text(String field, String dflt) {
        JsonNode v = take(field);
        if (v == null) {
            if (dflt != null) return dflt;
            throw new IllegalArgumentException(path(field) + ": missing");
        }
        if (!v.isTextual()) throw new IllegalArgumentException(path(field) + ": expected a string, not " + v);
        return v.asText();
    }

    boolean bool(String field, boolean dflt) {
        JsonNode v = take(field);
        if (v == null) return dflt;
        if (!v.isBoolean()) throw new IllegalArgumentException(path(field) + ": must be true or false, not " + v);
        return v.asBoolean();
    }

    <E extends Enum<E>> E choice(String field, Class<E> type, E dflt) {
        String v = text(field, dflt == null ? null : dflt.name().toLowerCase(Locale.ROOT));
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path(field) + ": '" + v + "' is not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }

    /** An unsigned 32-bit kernel field: a number, or a string in decimal, 0x hex or 0 octal (as ip-xfrm reads them). */
    long u32(String field, Long dflt) {
        return integer(field, 0, U32_MAX, dflt);
    }

    long integer(String field, long min, long max, Long dflt) {
        JsonNode v = take(field);
        if (v == null) {
            if (dflt != null) return dflt;
            throw new IllegalArgumentException(path(field) + ": missing");
        }
        if (v.isIntegralNumber()) return inRange(v.bigIntegerValue(), v.asText(), min, max, path(field));
        if (v.isTextual()) return inRange(parse(v.asText(), path(field)), v.asText(), min, max, path(field));
        throw new IllegalArgumentException(path(field) + ": must be an integer, not " + v);
    }

    static long parseU32(String text, String path) {
        return inRange(parse(text, path), text, 0, U32_MAX, path);
    }

    /** @param written the value as the document writes it, for the message */
    private static long inRange(BigInteger n, String written, long min, long max, String path) {
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException(path + ": " + written + " is out of range " + min + ".." + max);
        }
        return n.longValue();
    }

    private static BigInteger parse(String text, String path) {
        boolean negative = text.startsWith("-");
        String digits = negative || text.startsWith("+") ? text.substring(1) : text;
        try {
            if (digits.isEmpty() || !Character.isDigit(digits.charAt(0))) throw new NumberFormatException();
            BigInteger n;
            if (digits.startsWith("0x") || digits.startsWith("0X")) n = new BigInteger(digits.substring(2), 16);
            else if (digits.length() > 1 && digits.startsWith("0")) n = new BigInteger(digits.substring(1), 8);
            else n = new BigInteger(digits);
            return negative ? n.negate() : n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(path + ": '" + text + "' is not a number");
        }
    }
}
