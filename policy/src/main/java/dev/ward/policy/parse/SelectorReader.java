package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.label.SelectorKey;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code matchLabels}/{@code matchExpressions} selectors. Two forms that appear in published examples are
 * read as their authors meant, with a warning: {@code matchLabels: app=web} written as a string, and selectors
 * whose labels lost one indentation level ({@code matchLabels:} followed by sibling label keys).
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
        List<Requirement> reqs = new ArrayList<>();
        JsonNode ml = f.take("matchLabels");
        if (ml != null) {
            if (ml.isNull()) {
                List<String> siblings = new ArrayList<>(f.remaining());
                siblings.removeIf(s -> SELECTOR_FIELDS.contains(s));
                if (!siblings.isEmpty()) {
                    p.warn(f.child("matchLabels"), "is empty and followed by " + siblings
                            + " at the same indentation; read them as its labels (indent them under matchLabels)");
                    for (String s : siblings) {
                        readLabel(s, f.take(s), f.child(s), p, keySource, reqs);
                    }
                } else {
                    p.warn(f.child("matchLabels"), "is null; read as {} (selects everything)");
                }
            } else if (ml.isTextual()) {
                p.warn(f.child("matchLabels"), "written as the string '" + ml.asText() + "'; read as key=value labels");
                for (String part : ml.asText().split(",")) {
                    if (part.isBlank()) continue;
                    int eq = part.indexOf('=');
                    if (eq <= 0) {
                        p.error(f.child("matchLabels"), "'" + part.strip() + "' is not key=value");
                        continue;
                    }
                    readLabel(part.substring(0, eq).strip(), com.fasterxml.jackson.databind.node.TextNode.valueOf(
                            part.substring(eq + 1).strip()), f.child("matchLabels"), p, keySource, reqs);
                }
            } else if (ml instanceof ObjectNode o) {
                for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    readLabel(e.getKey(), e.getValue(), f.child("matchLabels") + "." + e.getKey(), p, keySource, reqs);
                }
            } else {
                p.error(f.child("matchLabels"), "must be a mapping of label keys to values, not " + Fields.describe(ml));
            }
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

    private static void readLabel(String rawKey, JsonNode value, String path, Problems p, String keySource,
                                  List<Requirement> out) {
        SelectorKey key = key(rawKey, path, p, keySource);
        if (key == null) return;
        String v;
        if (value == null || value.isNull()) {
            v = "";
        } else if (value.isValueNode()) {
            v = value.asText();
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
            return new Requirement(key, Requirement.Operator.parse(opText), Set.copyOf(values));
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
