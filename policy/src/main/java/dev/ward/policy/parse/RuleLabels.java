package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Validates a rule's {@code labels} (metadata for operators: a list of {key, value, source}). Cilium's own decoder
 * also takes "source:key=value" strings, but its CRD does not: such a string is a repair.
 */
final class RuleLabels {
    private RuleLabels() {}

    static void validate(JsonNode v, String path, Problems p) {
        List<JsonNode> items = Values.list(v, path, p, true);
        for (int i = 0; i < items.size(); i++) {
            String ip = path + "[" + i + "]";
            JsonNode item = items.get(i);
            if (item.isTextual()) {
                ObjectNode label = asObject(item.asText());
                p.repair(ip, "is the string '" + item.asText() + "', not a {key, value, source} mapping",
                        "write it as " + label, () -> p.replace(item, label));
                continue;
            }
            Fields f = Fields.of(item, ip, p);
            if (f == null) continue;
            Values.string(f.take("key"), f.child("key"), p);
            JsonNode value = f.takeValue("value");
            if (value != null) Values.string(value, f.child("value"), p);
            JsonNode source = f.takeValue("source");
            if (source != null) Values.string(source, f.child("source"), p);
            f.rejectUnknown();
        }
    }

    /** "source:key=value", "key=value" or "key" as Cilium reads a label string. */
    private static ObjectNode asObject(String text) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        int eq = text.indexOf('=');
        String keyPart = eq < 0 ? text : text.substring(0, eq);
        int colon = keyPart.indexOf(':');
        o.put("key", colon < 0 ? keyPart : keyPart.substring(colon + 1));
        if (eq >= 0) o.put("value", text.substring(eq + 1));
        if (colon >= 0) o.put("source", keyPart.substring(0, colon));
        return o;
    }
}
