package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** Validates a rule's {@code labels} (metadata for operators: a list of {key, value, source} or "key=value" strings). */
final class RuleLabels {
    private RuleLabels() {}

    static void validate(JsonNode v, String path, Problems p) {
        List<JsonNode> items = Values.list(v, path, p, true);
        for (int i = 0; i < items.size(); i++) {
            String ip = path + "[" + i + "]";
            JsonNode item = items.get(i);
            if (item.isTextual()) continue;
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
}
