package dev.ward.policy.model;

import java.util.List;
import java.util.Map;
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
     * One HTTP rule. Method, path and host are regular expressions matched against the whole value; an empty field
     * matches anything. Headers must all be present (and equal, when a value is given).
     */
    record HttpRule(String method, String path, String host, List<HeaderMatch> headers) {
        public HttpRule {
            headers = List.copyOf(headers);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (!method.isEmpty()) sb.append("method=").append(method);
            if (!path.isEmpty()) sb.append(sb.isEmpty() ? "" : " ").append("path=").append(path);
            if (!host.isEmpty()) sb.append(sb.isEmpty() ? "" : " ").append("host=").append(host);
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

    /** One generic rule: key-value pairs; an empty value matches anything for that key. */
    record GenericRule(Map<String, String> fields) {
        public GenericRule {
            fields = Map.copyOf(new TreeMap<>(fields));
        }

        @Override
        public String toString() {
            return fields.isEmpty() ? "any request" : new TreeMap<>(fields).toString();
        }
    }
}
