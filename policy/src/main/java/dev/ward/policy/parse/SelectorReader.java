package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.label.SelectorKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code matchLabels}/{@code matchExpressions} selectors. Three forms in published examples are repairs, not
 * selectors: {@code matchLabels: app=web} written as a string, {@code matchLabels:} empty with the labels beside it
 * (they lost one indentation level), and {@code matchLabels:} empty alone. The Kubernetes API refuses the first and
 * drops the others, and a dropped {@code matchLabels} selects every endpoint.
 */
final class SelectorReader {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?");
    private static final Set<String> RESERVED_NAMES = Set.of("host", "world", "unmanaged", "health", "init",
            "remote-node", "kube-apiserver", "ingress", "none", "unknown");
    private static final Set<String> SELECTOR_FIELDS = Set.of("matchLabels", "matchExpressions");

    private SelectorReader() {}

    /**
     * @param keySource source for keys written without one: {@code any} in Cilium policies, {@code k8s} in
     *                  Kubernetes NetworkPolicies
     */
    static LabelSelector read(JsonNode value, String path, Problems p, String keySource) {
        if (value == null || value.isNull()) {
            p.error(path, "is null; write {} to select everything");
            return null;
        }
        Fields f = Fields.of(value, path, p);
        if (f == null) return null;
        int errorsBefore = p.errorCount();
        repairMatchLabels(f, p);
        List<Requirement> reqs = new ArrayList<>();
        JsonNode ml = f.take("matchLabels");
        if (ml instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : new ArrayList<>(o.properties())) {
                readLabel(e.getKey(), e.getValue(), o, f.child("matchLabels") + "." + e.getKey(), p, keySource, reqs);
            }
        } else if (ml != null) {
            p.error(f.child("matchLabels"), "must be a mapping of label keys to values, not " + Fields.describe(ml));
        }
        JsonNode me = f.take("matchExpressions");
        List<JsonNode> exprs = Values.list(me, f.child("matchExpressions"), p, true);
        for (int i = 0; i < exprs.size(); i++) {
            Requirement r = readExpression(exprs.get(i), f.child("matchExpressions") + "[" + i + "]", p, keySource);
            if (r != null) reqs.add(r);
        }
        f.rejectUnknown();
        return p.errorCount() > errorsBefore ? null : LabelSelector.of(reqs);
    }

    private static void repairMatchLabels(Fields f, Problems p) {
        ObjectNode node = f.node();
        JsonNode ml = node.get("matchLabels");
        String at = f.child("matchLabels");
        if (ml != null && ml.isNull()) {
            List<String> siblings = new ArrayList<>(f.remaining());
            siblings.removeIf(SELECTOR_FIELDS::contains);
            if (siblings.isEmpty()) {
                p.repair(at, "is null (the Kubernetes API drops it, and the selector then selects every endpoint)",
                        "write {} if every endpoint is meant", () -> node.set("matchLabels", node.objectNode()));
            } else {
                p.repair(at, "is empty and followed by " + siblings + " at the same indentation",
                        "indent them under matchLabels", () -> {
                            ObjectNode labels = node.objectNode();
                            for (String s : siblings) labels.set(s, node.remove(s));
                            node.set("matchLabels", labels);
                        });
            }
        } else if (ml != null && ml.isTextual()) {
            ObjectNode labels = node.objectNode();
            for (String part : ml.asText().split(",")) {
                if (part.isBlank()) continue;
                int eq = part.indexOf('=');
                if (eq <= 0 || part.indexOf('=', eq + 1) >= 0 || part.charAt(eq - 1) == '!') {
                    p.error(at, "is the string '" + ml.asText() + "', and '" + part.strip() + "' is not key=value; "
                            + "write matchLabels as a mapping of keys to values");
                    return;
                }
                labels.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
            }
            p.repair(at, "is the string '" + ml.asText() + "', not a mapping of label keys to values",
                    "write it as " + labels, () -> node.set("matchLabels", labels));
        }
    }

    /** @param in the matchLabels mapping holding {@code value}, for a repair of the value in place */
    private static void readLabel(String rawKey, JsonNode value, ObjectNode in, String path, Problems p, String keySource,
                                  List<Requirement> out) {
        SelectorKey key = key(rawKey, path, p, keySource);
        if (key == null) return;
        String v;
        if (value == null || value.isNull()) {
            p.repair(path, "label value is null (the Kubernetes API drops the label, widening the selector)",
                    "write \"\" if the empty value is meant", () -> in.put(rawKey, ""));
            v = "";
        } else if (value.isValueNode()) {
            v = Values.string(value, path, p);
            if (v == null) return;
        } else {
            p.error(path, "label value must be a string, not " + Fields.describe(value));
            return;
        }
        if (v.contains("\n")) {
            p.error(path, "label value contains a line break");
            return;
        }
        out.add(Requirement.equalTo(key, v));
    }

    private static Requirement readExpression(JsonNode node, String path, Problems p, String keySource) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        String keyText = Values.string(f.take("key"), f.child("key"), p);
        String opText = Values.string(f.take("operator"), f.child("operator"), p);
        JsonNode valuesNode = f.take("values");
        List<String> values = valuesNode == null || valuesNode.isNull() ? List.of()
                : Values.strings(valuesNode, f.child("values"), p);
        f.rejectUnknown();
        if (keyText == null || opText == null) return null;
        SelectorKey key = key(keyText, f.child("key"), p, keySource);
        if (key == null) return null;
        try {
            Requirement.Operator op = Requirement.Operator.parse(opText);
            if (!op.yamlName().equals(opText)) {
                JsonNode opNode = f.node().get("operator");
                p.repair(f.child("operator"), "'" + opText + "' is not an operator (operators are case-sensitive)",
                        "write " + op.yamlName(), () -> p.replace(opNode, new TextNode(op.yamlName())));
            }
            return new Requirement(key, op, Set.copyOf(values));
        } catch (IllegalArgumentException e) {
            p.error(f.child("operator"), e.getMessage());
            return null;
        }
    }

    static SelectorKey key(String raw, String path, Problems p, String keySource) {
        SelectorKey key;
        try {
            key = SelectorKey.parse(raw);
        } catch (IllegalArgumentException e) {
            p.error(path, e.getMessage());
            return null;
        }
        if (key.anySource() && raw.indexOf(':') < 0) key = new SelectorKey(keySource, key.key());
        if (key.key().isEmpty() || !KEY.matcher(key.key()).matches()) {
            p.error(path, "'" + raw + "' is not a valid label key");
            return null;
        }
        lintTypo(key, raw, path, p);
        return key;
    }

    /** Published examples contain {@code k8s.io.kubernetes.pod.namespace} and {@code reserved.init}: a dot typed for the colon. */
    private static void lintTypo(SelectorKey key, String raw, String path, Problems p) {
        if (raw.indexOf(':') >= 0) return;
        String k = key.key();
        for (String src : List.of(LabelSource.K8S, LabelSource.RESERVED)) {
            if (k.startsWith(src + ".")) {
                String rest = k.substring(src.length() + 1);
                boolean likely = src.equals(LabelSource.RESERVED) ? RESERVED_NAMES.contains(rest) : rest.startsWith("io.");
                if (likely) {
                    p.warn(path, "label key '" + raw + "' is taken literally; did you mean '" + src + ":" + rest + "'?");
                }
            }
        }
    }
}
