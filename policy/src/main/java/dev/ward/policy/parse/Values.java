package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Scalar and list reading with errors that name the path and what was found instead. A scalar of the wrong YAML
 * type with one meaning ({@code port: 80} where the schema has a string, {@code endPort: "444"} where it has an
 * integer) is a repair: the Kubernetes API refuses it, and for strings YAML may already have changed it
 * ({@code 1.10} is read as 1.1, so the text as written is what is quoted).
 */
final class Values {
    private Values() {}

    /** A string; an unquoted number or boolean is a repair to the string as written. */
    static String string(JsonNode v, String path, Problems p) {
        if (v == null || v.isNull()) {
            p.error(path, "must be a string, not null");
            return null;
        }
        if (v.isTextual()) return v.asText();
        if (v.isNumber() || v.isBoolean()) {
            String written = p.writtenAs(v);
            String what = (v.isBoolean() ? "boolean " : "number ") + v.asText();
            String problem = written.equals(v.asText()) ? "must be a string, not the " + what
                    : "must be a string; YAML reads the unquoted " + written + " as the " + what;
            p.repair(path, problem, "quote it: \"" + written + "\"", () -> p.replace(v, new TextNode(written)));
            return written;
        }
        p.error(path, "must be a string, not " + Fields.describe(v));
        return null;
    }

    /** A string where YAML null means empty (Cilium's generic l7 rules: {@code - command:}). */
    static String stringOrEmpty(JsonNode v, String path, Problems p) {
        if (v == null || v.isNull()) return "";
        return string(v, path, p);
    }

    /** An integer; one written as a quoted string of digits is a repair. */
    static Integer integer(JsonNode v, String path, Problems p, int min, int max) {
        String s;
        if (v != null && v.isIntegralNumber()) {
            s = v.asText();
        } else if (v != null && v.isTextual() && v.asText().strip().matches("\\d{1,10}")) {
            s = v.asText().strip();
            long n = Long.parseLong(s);
            if (n <= Integer.MAX_VALUE) {
                p.repair(path, "must be an integer, not " + Fields.describe(v), "write it unquoted: " + n,
                        () -> p.replace(v, new IntNode((int) n)));
            }
        } else {
            p.error(path, "must be an integer, not " + Fields.describe(v));
            return null;
        }
        long n = Long.parseLong(s);
        if (n < min || n > max) {
            p.error(path, "must be between " + min + " and " + max + ", not " + n);
            return null;
        }
        return (int) n;
    }

    /** A boolean; the quoted string "true" or "false" is a repair. */
    static Boolean bool(JsonNode v, String path, Problems p) {
        if (v != null && v.isBoolean()) return v.asBoolean();
        if (v != null && v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
            boolean b = Boolean.parseBoolean(v.asText());
            p.repair(path, "must be true or false, not " + Fields.describe(v), "write it unquoted: " + b,
                    () -> p.replace(v, BooleanNode.valueOf(b)));
            return b;
        }
        p.error(path, "must be true or false, not " + Fields.describe(v));
        return null;
    }

    /** The list's elements; a YAML null counts as an empty list only where {@code nullIsEmpty}. */
    static List<JsonNode> list(JsonNode v, String path, Problems p, boolean nullIsEmpty) {
        if (v == null) return List.of();
        if (v.isNull()) {
            if (nullIsEmpty) return List.of();
            p.error(path, "is null; write a list (or remove the field)");
            return List.of();
        }
        if (!v.isArray()) {
            p.error(path, "must be a list, not " + Fields.describe(v));
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    static List<String> strings(JsonNode v, String path, Problems p) {
        List<String> out = new ArrayList<>();
        List<JsonNode> items = list(v, path, p, false);
        for (int i = 0; i < items.size(); i++) {
            String s = string(items.get(i), path + "[" + i + "]", p);
            if (s != null) out.add(s);
        }
        return out;
    }
}
