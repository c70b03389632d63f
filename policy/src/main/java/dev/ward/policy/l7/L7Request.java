package dev.ward.policy.l7;

import java.util.List;
import java.util.Map;

/** A request as an L7 proxy sees it, for deciding whether a redirect's rules admit it. */
public sealed interface L7Request {
    /** The proxy type that parses this request: http, kafka, dns, or a generic parser name. */
    String type();

    record Http(String method, String path, String host, Map<String, String> headers) implements L7Request {
        public Http {
            headers = Map.copyOf(headers);
        }

        @Override
        public String type() {
            return "http";
        }
    }

    /** {@code transactionalId}: the one a request carries (InitProducerId, transactional requests), or null. */
    record Kafka(int apiKey, int apiVersion, String clientId, List<String> topics, String transactionalId)
            implements L7Request {
        public Kafka {
            topics = List.copyOf(topics);
        }

        /** A request without a transactional id. */
        public Kafka(int apiKey, int apiVersion, String clientId, List<String> topics) {
            this(apiKey, apiVersion, clientId, topics, null);
        }

        @Override
        public String type() {
            return "kafka";
        }
    }

    record Dns(String name) implements L7Request {
        @Override
        public String type() {
            return "dns";
        }
    }

    record Generic(String proto, Map<String, String> fields) implements L7Request {
        public Generic {
            fields = Map.copyOf(fields);
        }

        @Override
        public String type() {
            return proto;
        }
    }
}
