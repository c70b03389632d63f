package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ward.policy.model.FqdnPattern;
import dev.ward.policy.model.KafkaApiKeys;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.Re2Pattern;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the {@code rules} of a port: exactly one of http, kafka, dns, or l7proto with l7. */
final class L7RuleReader {
    private static final Pattern KAFKA_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,255}");
    private static final Pattern L7PROTO = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

    private L7RuleReader() {}

    static L7Rules read(JsonNode node, String path, Problems p, boolean ingress) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        JsonNode http = f.take("http");
        JsonNode kafka = f.take("kafka");
        JsonNode dns = f.take("dns");
        JsonNode proto = f.take("l7proto");
        JsonNode l7 = f.take("l7");
        f.rejectUnknown();
        List<String> kinds = new ArrayList<>();
        if (http != null) kinds.add("http");
        if (kafka != null) kinds.add("kafka");
        if (dns != null) kinds.add("dns");
        if (proto != null || l7 != null) kinds.add("l7proto");
        if (kinds.isEmpty()) {
            p.error(path, "has no rules; give one of http, kafka, dns or l7proto with l7 (or remove 'rules' for plain L4)");
            return null;
        }
        if (kinds.size() > 1) {
            p.error(path, "mixes L7 rule types " + kinds + "; a port is parsed by one proxy, give one type");
            return null;
        }
        return switch (kinds.getFirst()) {
            case "http" -> http(http, f.child("http"), p);
            case "kafka" -> kafka(kafka, f.child("kafka"), p);
            case "dns" -> {
                if (ingress) {
                    p.error(f.child("dns"), "DNS rules apply to egress only (they filter the endpoint's own lookups)");
                    yield null;
                }
                yield dns(dns, f.child("dns"), p);
            }
            default -> generic(proto, l7, f, p);
        };
    }

    private static List<JsonNode> nonEmptyList(JsonNode v, String path, Problems p, String hint) {
        List<JsonNode> items = Values.list(v, path, p, false);
        if (items.isEmpty() && v != null && v.isArray()) {
            p.error(path, "is an empty list; " + hint);
        }
        return items;
    }

    private static L7Rules http(JsonNode v, String path, Problems p) {
        List<JsonNode> items = nonEmptyList(v, path, p, "write [{}] to allow every request through the proxy");
        List<L7Rules.HttpRule> out = new ArrayList<>();
        int before = p.errorCount();
        for (int i = 0; i < items.size(); i++) {
            String ip = path + "[" + i + "]";
            Fields f = Fields.of(items.get(i), ip, p);
            if (f == null) continue;
            Re2Pattern method = regex(f, "method", p);
            Re2Pattern rpath = regex(f, "path", p);
            Re2Pattern host = regex(f, "host", p);
            List<L7Rules.HeaderMatch> headers = new ArrayList<>();
            JsonNode h = f.take("headers");
            List<String> hs = h == null ? List.of() : Values.strings(h, f.child("headers"), p);
            for (String header : hs) {
                int colon = header.indexOf(':');
                if (colon == 0 || header.isBlank()) {
                    p.error(f.child("headers"), "'" + header + "' has no header name");
                    continue;
                }
                headers.add(colon < 0 ? new L7Rules.HeaderMatch(header.strip(), null)
                        : new L7Rules.HeaderMatch(header.substring(0, colon).strip(), header.substring(colon + 1).strip()));
            }
            JsonNode hm = f.take("headerMatches");
            List<JsonNode> hms = Values.list(hm, f.child("headerMatches"), p, true);
            for (int j = 0; j < hms.size(); j++) {
                String hp = f.child("headerMatches") + "[" + j + "]";
                Fields hf = Fields.of(hms.get(j), hp, p);
                if (hf == null) continue;
                String name = Values.string(hf.take("name"), hf.child("name"), p);
                JsonNode value = hf.takeValue("value");
                if (hf.has("mismatch")) {
                    hf.take("mismatch");
                    p.error(hf.child("mismatch"), "mismatch actions rewrite requests; Ward's proxy only admits or denies (remove the field)");
                }
                if (hf.has("secret")) {
                    hf.take("secret");
                    p.error(hf.child("secret"), "header values from Kubernetes secrets are not supported (give 'value')");
                }
                hf.rejectUnknown();
                if (name != null) headers.add(new L7Rules.HeaderMatch(name, value == null ? null : value.asText()));
            }
            f.rejectUnknown();
            out.add(new L7Rules.HttpRule(method, rpath, host, headers));
        }
        return p.errorCount() > before || out.isEmpty() ? null : new L7Rules.Http(out);
    }

    /** An RE2 pattern (Cilium's syntax, matched in linear time), or null for an absent or empty field. */
    private static Re2Pattern regex(Fields f, String field, Problems p) {
        JsonNode v = f.takeValue(field);
        if (v == null) return null;
        String s = Values.string(v, f.child(field), p);
        if (s == null || s.isEmpty()) return null;
        try {
            return Re2Pattern.compile(s);
        } catch (IllegalArgumentException e) {
            p.error(f.child(field), e.getMessage());
            return null;
        }
    }

    private static L7Rules kafka(JsonNode v, String path, Problems p) {
        List<JsonNode> items = nonEmptyList(v, path, p, "write [{}] to allow every request through the proxy");
        List<L7Rules.KafkaRule> out = new ArrayList<>();
        int before = p.errorCount();
        for (int i = 0; i < items.size(); i++) {
            String ip = path + "[" + i + "]";
            Fields f = Fields.of(items.get(i), ip, p);
            if (f == null) continue;
            String role = optString(f, "role", p);
            String apiKeyText = optString(f, "apiKey", p);
            String apiVersionText = optString(f, "apiVersion", p);
            String clientId = optString(f, "clientID", p);
            String topic = optString(f, "topic", p);
            f.rejectUnknown();
            if (role != null && apiKeyText != null) {
                p.error(ip, "role and apiKey are exclusive: a role stands for a set of API keys");
                continue;
            }
            if (role != null) {
                String lower = role.toLowerCase(java.util.Locale.ROOT);
                if (!lower.equals(role) && (lower.equals("produce") || lower.equals("consume"))) {
                    JsonNode written = f.node().get("role");
                    p.repair(f.child("role"), "'" + role + "' is not a role (produce or consume, in lower case)",
                            "write " + lower, () -> p.replace(written, new TextNode(lower)));
                }
                role = lower;
                try {
                    KafkaApiKeys.role(role);
                } catch (IllegalArgumentException e) {
                    p.error(f.child("role"), e.getMessage());
                }
            }
            Integer apiKey = null;
            if (apiKeyText != null) {
                try {
                    apiKey = KafkaApiKeys.parse(apiKeyText);
                } catch (IllegalArgumentException e) {
                    p.error(f.child("apiKey"), e.getMessage());
                }
            }
            Integer apiVersion = null;
            if (apiVersionText != null) {
                if (apiVersionText.matches("\\d{1,5}") && Integer.parseInt(apiVersionText) <= 32767) {
                    apiVersion = Integer.parseInt(apiVersionText);
                } else {
                    p.error(f.child("apiVersion"), "must be a number between 0 and 32767, not '" + apiVersionText + "'");
                }
            }
            if (topic != null && !KAFKA_TOPIC.matcher(topic).matches()) {
                p.error(f.child("topic"), "'" + topic + "' is not a Kafka topic name (1-255 of a-z A-Z 0-9 . _ -)");
            }
            if (clientId != null && !KAFKA_TOPIC.matcher(clientId).matches()) {
                p.error(f.child("clientID"), "'" + clientId + "' is not a Kafka client id (1-255 of a-z A-Z 0-9 . _ -)");
            }
            out.add(new L7Rules.KafkaRule(role, apiKey, apiVersion, clientId, topic));
        }
        return p.errorCount() > before || out.isEmpty() ? null : new L7Rules.Kafka(out);
    }

    private static String optString(Fields f, String field, Problems p) {
        JsonNode v = f.takeValue(field);
        if (v == null) return null;
        String s = Values.string(v, f.child(field), p);
        return s == null || s.isEmpty() ? null : s;
    }

    private static L7Rules dns(JsonNode v, String path, Problems p) {
        List<JsonNode> items = nonEmptyList(v, path, p, "write [{matchPattern: '*'}] to allow every lookup");
        List<FqdnPattern> out = new ArrayList<>();
        int before = p.errorCount();
        for (int i = 0; i < items.size(); i++) {
            FqdnPattern fp = FqdnReader.read(items.get(i), path + "[" + i + "]", p);
            if (fp != null) out.add(fp);
        }
        return p.errorCount() > before || out.isEmpty() ? null : new L7Rules.Dns(out);
    }

    private static L7Rules generic(JsonNode protoNode, JsonNode l7, Fields f, Problems p) {
        if (protoNode == null || protoNode.isNull()) {
            p.error(f.child("l7proto"), "is required with l7 (the parser's name, e.g. memcache or cassandra)");
            return null;
        }
        String proto = Values.string(protoNode, f.child("l7proto"), p);
        if (proto == null) return null;
        if (!L7PROTO.matcher(proto).matches()) {
            p.error(f.child("l7proto"), "'" + proto + "' is not a parser name (lower-case letters, digits, . _ -)");
            return null;
        }
        if (l7 == null) {
            p.error(f.child("l7"), "is required with l7proto; write [{}] to allow every request through the parser");
            return null;
        }
        List<JsonNode> items = nonEmptyList(l7, f.child("l7"), p, "write [{}] to allow every request through the parser");
        List<L7Rules.GenericRule> out = new ArrayList<>();
        int before = p.errorCount();
        for (int i = 0; i < items.size(); i++) {
            String ip = f.child("l7") + "[" + i + "]";
            JsonNode item = items.get(i);
            if (!(item instanceof ObjectNode o)) {
                p.error(ip, "must be a mapping of keys to values, not " + Fields.describe(item));
                continue;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String value = Values.stringOrEmpty(e.getValue(), ip + "." + e.getKey(), p);
                if (value != null) fields.put(e.getKey(), value);
            }
            int itemErrors = p.errorCount();
            for (String rf : L7Rules.GenericRule.REGEX_FIELDS.getOrDefault(proto, Set.of())) {
                String regex = fields.get(rf);
                if (regex == null || regex.isEmpty()) continue;
                try {
                    Re2Pattern.compile(regex);
                } catch (IllegalArgumentException e) {
                    p.error(ip + "." + rf, e.getMessage());
                }
            }
            if (p.errorCount() == itemErrors) out.add(L7Rules.GenericRule.of(proto, fields));
        }
        return p.errorCount() > before || out.isEmpty() ? null : new L7Rules.Generic(proto, out);
    }
}
