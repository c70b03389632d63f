package dev.ward.l7proxy.access;

import dev.ward.policy.l7.L7Request;
import dev.ward.policy.model.KafkaApiKeys;

import java.util.LinkedHashMap;
import java.util.Map;

/** The key/values an access-log event shows for a request, named as the rules name them. */
public final class RequestFields {
    private RequestFields() {}

    public static Map<String, String> of(L7Request request) {
        Map<String, String> m = new LinkedHashMap<>();
        switch (request) {
            case L7Request.Http h -> {
                m.put("method", h.method());
                m.put("path", h.path());
                if (h.host() != null) m.put("host", h.host());
            }
            case L7Request.Kafka k -> {
                m.put("apiKey", KafkaApiKeys.name(k.apiKey()));
                m.put("apiVersion", Integer.toString(k.apiVersion()));
                if (k.clientId() != null) m.put("clientID", k.clientId());
                if (!k.topics().isEmpty()) m.put("topic", String.join(",", k.topics()));
                if (k.transactionalId() != null) m.put("transactionalID", k.transactionalId());
            }
            case L7Request.Dns d -> m.put("query", d.name());
            case L7Request.Generic g -> m.putAll(g.fields());
        }
        return m;
    }
}
