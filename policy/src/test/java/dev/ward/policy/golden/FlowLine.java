package dev.ward.policy.golden;

import dev.ward.policy.l7.L7Request;
import dev.ward.policy.model.KafkaApiKeys;
import dev.ward.policy.trace.Flow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One expected flow of a golden case:
 * {@code allow|deny SRC -> DST PORT/PROTO [http METHOD PATH] [host H] [header K:V] [kafka APIKEY TOPIC]
 * [dns NAME] [l7 PROTO k=v,k=v]}.
 */
record FlowLine(boolean allow, Flow flow, String text) {

    static FlowLine parse(String line) {
        List<String> t = new ArrayList<>(List.of(line.strip().split("\\s+")));
        String verdict = t.removeFirst();
        if (!verdict.equals("allow") && !verdict.equals("deny")) throw new IllegalArgumentException("bad verdict in: " + line);
        String src = t.removeFirst();
        if (!t.removeFirst().equals("->")) throw new IllegalArgumentException("missing -> in: " + line);
        String dst = t.removeFirst();
        String portProto = t.removeFirst();
        L7Request req = null;
        String method = null, path = null, host = null;
        Map<String, String> headers = new LinkedHashMap<>();
        while (!t.isEmpty()) {
            String k = t.removeFirst();
            switch (k) {
                case "http" -> {
                    method = t.removeFirst();
                    path = t.removeFirst();
                }
                case "host" -> host = t.removeFirst();
                case "header" -> {
                    String h = t.removeFirst();
                    int c = h.indexOf(':');
                    headers.put(h.substring(0, c), h.substring(c + 1));
                }
                case "kafka" -> {
                    int apiKey = KafkaApiKeys.parse(t.removeFirst());
                    String topic = t.removeFirst();
                    req = new L7Request.Kafka(apiKey, 0, "client", topic.equals("-") ? List.of() : List.of(topic));
                }
                case "dns" -> req = new L7Request.Dns(t.removeFirst());
                case "l7" -> {
                    String proto = t.removeFirst();
                    Map<String, String> fields = new LinkedHashMap<>();
                    for (String kv : t.removeFirst().split(",")) {
                        int eq = kv.indexOf('=');
                        fields.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    req = new L7Request.Generic(proto, fields);
                }
                default -> throw new IllegalArgumentException("unknown flow field '" + k + "' in: " + line);
            }
        }
        if (method != null) req = new L7Request.Http(method, path, host, headers);
        Flow flow = Flow.of(src, dst, Flow.protocol(portProto), Flow.port(portProto), req);
        return new FlowLine(verdict.equals("allow"), flow, line.strip());
    }
}
