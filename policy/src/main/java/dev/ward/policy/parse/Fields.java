package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict reading of one YAML mapping: each field a reader takes is marked, and {@link #rejectUnknown()} reports
 * every field nobody took, with its path. Field names match exactly. A name that differs only in case (Cilium's
 * examples write {@code HTTP:}) is a repair: the Kubernetes API matches names exactly and would drop the field, and
 * with it the rules it holds.
 */
final class Fields {
    private final ObjectNode node;
    private final String path;
    private final Problems problems;
    private final Set<String> taken = new LinkedHashSet<>();

    private Fields(ObjectNode node, String path, Problems problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    /** The mapping at {@code path}, or null (with an error) when {@code value} is not a mapping. */
    static Fields of(JsonNode value, String path, Problems problems) {
        if (value instanceof ObjectNode o) return new Fields(o, path, problems);
        problems.error(path, "must be a mapping, not " + describe(value));
        return null;
    }

    String path() {
        return path;
    }

    String child(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    ObjectNode node() {
        return node;
    }

    boolean has(String name) {
        return resolve(name, false) != null;
    }

    /** The field's value (possibly a YAML null node), or Java null when absent. */
    JsonNode take(String name) {
        String actual = resolve(name, true);
        if (actual == null) return null;
        taken.add(actual);
        return node.get(actual);
    }

    /** The field's value, or null when absent or written as YAML null. */
    JsonNode takeValue(String name) {
        JsonNode v = take(name);
        return v == null || v.isNull() ? null : v;
    }

    /** Marks a field as handled without reading it (fields Ward accepts but has no use for, like {@code status}). */
    void ignore(String name) {
        take(name);
    }

    private String resolve(String name, boolean take) {
        if (node.has(name)) return name;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equalsIgnoreCase(name) && !taken.contains(f)) {
                if (!take) return f;
                problems.repair(child(f), "field name '" + f + "' is not '" + name + "' (field names are case-sensitive)",
                        "rename it to '" + name + "'", () -> rename(node, f, name));
                return name;
            }
        }
        return null;
    }

    /** Renames a field in place, keeping the order of the others (the corrected document reads like the original). */
    static void rename(ObjectNode node, String from, String to) {
        List<Map.Entry<String, JsonNode>> all = new ArrayList<>(node.properties());
        node.removeAll();
        for (Map.Entry<String, JsonNode> e : all) node.set(e.getKey().equals(from) ? to : e.getKey(), e.getValue());
    }

    /** Fields present but not taken. */
    List<String> remaining() {
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            String f = it.next().getKey();
            if (!taken.contains(f)) out.add(f);
        }
        return out;
    }

    void rejectUnknown() {
        for (String f : remaining()) problems.error(child(f), "unknown field");
    }

    static String describe(JsonNode v) {
        if (v == null || v.isNull()) return "null";
        if (v.isObject()) return "a mapping";
        if (v.isArray()) return "a list";
        if (v.isTextual()) return "the string '" + v.asText() + "'";
        if (v.isBoolean()) return "the boolean " + v.asText();
        if (v.isNumber()) return "the number " + v.asText();
        return v.getNodeType().toString().toLowerCase();
    }
}
