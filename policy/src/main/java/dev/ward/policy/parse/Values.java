package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Scalar and list reading with errors that name the path and what was found instead. */
final class Values {
    private Values() {}

    /** A string; numbers and booleans are taken as their text (YAML turns {@code port: 80} into a number). */
    static String string(JsonNode v, String path, Problems p) {
        if (v == null || v.isNull()) {
            p.error(path, "must be a string, not null");
            return null;
        }
        if (v.isTextual() || v.isNumber() || v.isBoolean()) return v.asText();
        p.error(path, "must be a string, not " + Fields.describe(v));
        return null;
    }

    /** A string where YAML null means empty (Cilium's generic l7 rules: {@code - command:}). */
    static String stringOrEmpty(JsonNode v, String path, Problems p) {
        if (v == null || v.isNull()) return "";
        return string(v, path, p);
    }

    static Integer integer(JsonNode v, String path, Problems p, int min, int max) {
        String s;
        if (v != null && v.isIntegralNumber()) {
            s = v.asText();
        } else if (v != null && v.isTextual() && v.asText().strip().matches("\\d{1,10}")) {
            s = v.asText().strip();
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

    static Boolean bool(JsonNode v, String path, Problems p) {
        if (v != null && v.isBoolean()) return v.asBoolean();
        if (v != null && v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
            return Boolean.parseBoolean(v.asText());
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
