package dev.ward.policy.l7;

import dev.ward.policy.model.FqdnPattern;
import dev.ward.policy.model.KafkaApiKeys;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.Re2Pattern;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Whether one L7 rule admits a request, with each protocol's matching semantics: HTTP fields are RE2 regular
 * expressions over the whole value, matched in linear time ({@link Re2Pattern}); Kafka roles stand for sets of API keys; DNS names follow toFQDNs patterns;
 * generic rules compare key by key, an empty rule value matching anything, with the parser-specific forms the
 * memcache (key prefix, command groups) and cassandra (table regex) parsers define.
 */
public final class L7RuleMatcher {
    private static final Map<String, Set<String>> MEMCACHE_GROUPS = Map.of(
            "writegroup", Set.of("set", "add", "replace", "append", "prepend", "cas", "incr", "decr", "delete", "touch"),
            "readgroup", Set.of("get", "gets", "gat", "gats"));

    private L7RuleMatcher() {}

    public static boolean matches(Object rule, L7Request request) {
        return switch (rule) {
            case L7Rules.HttpRule r when request instanceof L7Request.Http h -> http(r, h);
            case L7Rules.KafkaRule r when request instanceof L7Request.Kafka k -> kafka(r, k);
            case FqdnPattern r when request instanceof L7Request.Dns d -> r.matches(d.name());
            case L7Rules.GenericRule r when request instanceof L7Request.Generic g -> generic(r, g);
            default -> false;
        };
    }

    /** A null pattern matches anything, a missing value nothing else. */
    private static boolean full(Re2Pattern regex, String value) {
        if (regex == null) return true;
        return value != null && regex.matchesWhole(value);
    }

    private static boolean http(L7Rules.HttpRule r, L7Request.Http h) {
        if (!full(r.method(), h.method()) || !full(r.path(), h.path()) || !full(r.host(), h.host())) return false;
        for (L7Rules.HeaderMatch m : r.headers()) {
            String v = null;
            boolean present = false;
            for (Map.Entry<String, String> e : h.headers().entrySet()) {
                if (e.getKey().equalsIgnoreCase(m.name())) {
                    present = true;
                    v = e.getValue();
                }
            }
            if (!present || (m.value() != null && !m.value().equals(v))) return false;
        }
        return true;
    }

    private static boolean kafka(L7Rules.KafkaRule r, L7Request.Kafka k) {
        if (r.role() != null && !KafkaApiKeys.roleAdmits(r.role(), k.apiKey(), k.transactionalId() != null)) return false;
        if (r.apiKey() != null && r.apiKey() != k.apiKey()) return false;
        if (r.apiVersion() != null && r.apiVersion() != k.apiVersion()) return false;
        if (r.clientId() != null && !r.clientId().equals(k.clientId())) return false;
        if (r.topic() != null) {
            // Every topic the request names must be this rule's topic; requests naming none are not topic-bound.
            for (String t : k.topics()) if (!t.equals(r.topic())) return false;
        }
        return true;
    }

    private static boolean generic(L7Rules.GenericRule r, L7Request.Generic g) {
        for (Map.Entry<String, String> e : r.fields().entrySet()) {
            String want = e.getValue();
            if (want.isEmpty()) continue;
            String have = g.fields().get(e.getKey());
            if (!genericField(g.proto(), e.getKey(), want, r.patterns().get(e.getKey()), have, g.fields())) return false;
        }
        return true;
    }

    /** @param regex {@code want} compiled, where the parser matches this field as a regular expression */
    private static boolean genericField(String proto, String key, String want, Re2Pattern regex, String have,
                                        Map<String, String> all) {
        switch (proto) {
            case "memcache" -> {
                String k = all.get("key");
                switch (key) {
                    case "command" -> {
                        if (have == null) return false;
                        Set<String> group = MEMCACHE_GROUPS.get(want.toLowerCase(Locale.ROOT));
                        return group != null ? group.contains(have.toLowerCase(Locale.ROOT)) : want.equalsIgnoreCase(have);
                    }
                    case "keyExact" -> {
                        return want.equals(k);
                    }
                    case "keyPrefix" -> {
                        return k != null && k.startsWith(want);
                    }
                    case "keyRegex" -> {
                        return regex != null && full(regex, k);
                    }
                    default -> {
                        return want.equals(have);
                    }
                }
            }
            case "cassandra" -> {
                if (key.equals("query_action")) return have != null && want.equalsIgnoreCase(have);
                if (key.equals("query_table")) return regex != null && full(regex, have);
                return want.equals(have);
            }
            case "r2d2" -> {
                if (key.equals("file")) return regex != null && full(regex, have);
                return want.equals(have);
            }
            default -> {
                return want.equals(have);
            }
        }
    }
}
