package dev.ward.cli.policy;

import dev.ward.policy.l7.L7Request;
import dev.ward.policy.model.KafkaApiKeys;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The optional L7 request of a traced flow: HTTP, Kafka, DNS, or a generic parser's key-value fields. */
public final class L7RequestOptions {
    @Option(names = "--http-method", paramLabel = "METHOD") String httpMethod;
    @Option(names = "--http-path", paramLabel = "PATH") String httpPath;
    @Option(names = "--http-host", paramLabel = "HOST") String httpHost;
    @Option(names = "--http-header", paramLabel = "NAME: VALUE", description = "Request header; repeatable.")
    List<String> httpHeaders = new ArrayList<>();
    @Option(names = "--kafka-api-key", paramLabel = "KEY", description = "Kafka API key name or number (produce, fetch, ...).")
    String kafkaApiKey;
    @Option(names = "--kafka-api-version", paramLabel = "N") Integer kafkaApiVersion;
    @Option(names = "--kafka-client-id", paramLabel = "ID") String kafkaClientId;
    @Option(names = "--kafka-topic", paramLabel = "TOPIC", description = "Topic the request names; repeatable.")
    List<String> kafkaTopics = new ArrayList<>();
    @Option(names = "--dns-name", paramLabel = "NAME", description = "Name looked up (for ports with DNS rules).")
    String dnsName;
    @Option(names = "--l7proto", paramLabel = "PARSER", description = "Generic parser name (memcache, cassandra, r2d2, ...).")
    String l7proto;
    @Option(names = "--l7", paramLabel = "KEY=VALUE", description = "Generic request field; repeatable.")
    List<String> l7Fields = new ArrayList<>();

    /** The request described, or null when no L7 field was given. */
    public L7Request request() {
        List<L7Request> given = new ArrayList<>();
        if (httpMethod != null || httpPath != null || httpHost != null || !httpHeaders.isEmpty()) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h : httpHeaders) {
                int c = h.indexOf(':');
                if (c <= 0) throw new IllegalArgumentException("--http-header '" + h + "' is not NAME: VALUE");
                headers.put(h.substring(0, c).strip(), h.substring(c + 1).strip());
            }
            given.add(new L7Request.Http(httpMethod == null ? "GET" : httpMethod, httpPath == null ? "/" : httpPath, httpHost, headers));
        }
        if (kafkaApiKey != null || !kafkaTopics.isEmpty() || kafkaClientId != null) {
            if (kafkaApiKey == null) throw new IllegalArgumentException("--kafka-api-key is required for a Kafka request");
            given.add(new L7Request.Kafka(KafkaApiKeys.parse(kafkaApiKey), kafkaApiVersion == null ? 0 : kafkaApiVersion,
                    kafkaClientId == null ? "" : kafkaClientId, kafkaTopics));
        }
        if (dnsName != null) given.add(new L7Request.Dns(dnsName));
        if (l7proto != null || !l7Fields.isEmpty()) {
            if (l7proto == null) throw new IllegalArgumentException("--l7 needs --l7proto");
            Map<String, String> fields = new LinkedHashMap<>();
            for (String kv : l7Fields) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("--l7 '" + kv + "' is not KEY=VALUE");
                fields.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            given.add(new L7Request.Generic(l7proto, fields));
        }
        if (given.size() > 1) throw new IllegalArgumentException("give the fields of one L7 request (HTTP, Kafka, DNS or --l7proto)");
        return given.isEmpty() ? null : given.getFirst();
    }
}
