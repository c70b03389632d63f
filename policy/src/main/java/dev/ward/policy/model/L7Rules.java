package dev.ward.policy.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code rules} of a port: requests on that port go through an L7 proxy that admits only what one of these
 * rules matches. One port carries one kind of rule; {@link #type()} names it.
 */
public sealed interface L7Rules {

    /** The proxy a redirect goes to: {@code http}, {@code kafka}, {@code dns} or an {@code l7proto} parser name. */
    String type();

    List<? extends Object> rules();

    record Http(List<HttpRule> rules) implements L7Rules {
        public Http {
            rules = List.copyOf(rules);
        }

        @Override
        public String type() {
            return "http";
        }
    }

    record Kafka(List<KafkaRule> rules) implements L7Rules {
        public Kafka {
            rules = List.copyOf(rules);
        }

        @Override
        public String type() {
            return "kafka";
        }
    }

    record Dns(List<FqdnPattern> rules) implements L7Rules {
        public Dns {
            rules = List.copyOf(rules);
        }

        @Override
        public String type() {
            return "dns";
        }
    }

    /** {@code l7proto} + {@code l7}: key-value rules interpreted by the named parser (memcache, cassandra, r2d2). */
    record Generic(String proto, List<GenericRule> rules) implements L7Rules {
        public Generic {
            rules = List.copyOf(rules);
        }

        @Override
        public String type() {
            return proto;
        }
    }

    /**
     * One HTTP rule. Method, path and host are RE2 regular expressions matched against the whole value; a null
     * field matches anything. Headers must all be present (and equal, when a value is given).
     */
    record HttpRule(Re2Pattern method, Re2Pattern path, Re2Pattern host, List<HeaderMatch> headers) {
        public HttpRule {
            headers = List.copyOf(headers);
        }

        /**
         * @param method an RE2 pattern, or empty for any (likewise path and host)
         * @throws IllegalArgumentException for a pattern RE2 refuses
         */
        public static HttpRule of(String method, String path, String host, List<HeaderMatch> headers) {
            return new HttpRule(regex(method), regex(path), regex(host), headers);
        }

        private static Re2Pattern regex(String s) {
            return s == null || s.isEmpty() ? null : Re2Pattern.compile(s);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (method != null) sb.append("method=").append(method);
            if (path != null) sb.append(sb.isEmpty() ? "" : " ").append("path=").append(path);
            if (host != null) sb.append(sb.isEmpty() ? "" : " ").append("host=").append(host);
            for (HeaderMatch h : headers) sb.append(sb.isEmpty() ? "" : " ").append("header[").append(h).append(']');
            return sb.isEmpty() ? "any request" : sb.toString();
        }
    }

    /** A required header; a null value only requires presence. Header names compare case-insensitively. */
    record HeaderMatch(String name, String value) {
        @Override
        public String toString() {
            return value == null ? name : name + ": " + value;
        }
    }

    /**
     * One Kafka rule: a role (produce or consume, each a set of API keys) or one API key, and optionally the API
     * version, client id and topic. Empty fields match anything.
     */
    record KafkaRule(String role, Integer apiKey, Integer apiVersion, String clientId, String topic) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (role != null) sb.append("role=").append(role);
            if (apiKey != null) sb.append("apiKey=").append(KafkaApiKeys.name(apiKey));
            if (apiVersion != null) sb.append(" apiVersion=").append(apiVersion);
            if (clientId != null) sb.append(" clientID=").append(clientId);
            if (topic != null) sb.append(" topic=").append(topic);
            return sb.isEmpty() ? "any request" : sb.toString().strip();
        }
    }

    /**
     * One generic rule: key-value pairs; an empty value matches anything for that key. The fields a parser matches
     * as regular expressions ({@link #REGEX_FIELDS}) are compiled in {@code patterns}.
     */
    record GenericRule(Map<String, String> fields, Map<String, Re2Pattern> patterns) {
        /** Per parser, the fields whose values are RE2 patterns over the whole request value. */
        public static final Map<String, Set<String>> REGEX_FIELDS = Map.of(
                "memcache", Set.of("keyRegex"), "cassandra", Set.of("query_table"), "r2d2", Set.of("file"));

        public GenericRule {
            fields = Map.copyOf(new TreeMap<>(fields));
            patterns = Map.copyOf(patterns);
        }

        /** @throws IllegalArgumentException for a regex field RE2 refuses, naming the field */
        public static GenericRule of(String proto, Map<String, String> fields) {
            Map<String, Re2Pattern> patterns = new LinkedHashMap<>();
            for (String f : REGEX_FIELDS.getOrDefault(proto, Set.of())) {
                String v = fields.get(f);
                if (v == null || v.isEmpty()) continue;
                try {
                    patterns.put(f, Re2Pattern.compile(v));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
                }
            }
            return new GenericRule(fields, patterns);
        }

        @Override
        public String toString() {
            return fields.isEmpty() ? "any request" : new TreeMap<>(fields).toString();
        }
    }
}
