package dev.ward.agentapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Messages to and from their line of JSON: the record's fields, plus {@code "version"} and {@code "op"} (requests) or
 * {@code "status"} (responses). Fields a reader does not know are ignored, so a newer peer may add some within a
 * version; a field it needs and misses, or one of the wrong type, is an error naming the field.
 */
public final class ApiCodec {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final Map<String, Class<? extends ApiRequest>> REQUESTS = Map.of(
            "endpoint-add", ApiRequest.AddEndpoint.class,
            "endpoint-delete", ApiRequest.DeleteEndpoint.class,
            "endpoint-check", ApiRequest.CheckEndpoint.class,
            "endpoint-list", ApiRequest.ListEndpoints.class,
            "flow-follow", ApiRequest.FollowFlows.class,
            "endpoint-add-failed", ApiRequest.ReportAddFailure.class,
            "policy-get", ApiRequest.GetPolicy.class,
            "datapath-status", ApiRequest.GetDatapathStatus.class);

    private static final Map<String, Class<? extends ApiResponse>> RESPONSES = Map.of(
            "accepted", ApiResponse.Accepted.class,
            "ready", ApiResponse.Ready.class,
            "ok", ApiResponse.Ok.class,
            "error", ApiResponse.Failure.class,
            "flow", ApiResponse.Flow.class,
            "flows-lost", ApiResponse.FlowsLost.class,
            "history-end", ApiResponse.HistoryEnd.class,
            "end", ApiResponse.StreamEnd.class,
            "policy", ApiResponse.Policy.class,
            "datapath", ApiResponse.Datapath.class);

    private ApiCodec() {}

    public static String encode(ApiRequest request) {
        ObjectNode n = JSON.valueToTree(request);
        return line(envelope(n, "op", request.op()));
    }

    public static String encode(ApiResponse response) {
        ObjectNode n = JSON.valueToTree(response);
        return line(envelope(n, "status", response.status()));
    }

    public static ApiRequest decodeRequest(String line) throws ApiProtocolException {
        ObjectNode n = object(line, "request");
        String op = text(n, "op", "request");
        Class<? extends ApiRequest> type = REQUESTS.get(op);
        if (type == null) throw new ApiProtocolException(ApiError.INVALID_REQUEST, "unknown operation \"" + op + "\" (known: " + REQUESTS.keySet() + ")");
        return read(n, type, "request " + op);
    }

    public static ApiResponse decodeResponse(String line) throws ApiProtocolException {
        ObjectNode n = object(line, "response");
        String status = text(n, "status", "response");
        Class<? extends ApiResponse> type = RESPONSES.get(status);
        if (type == null) throw new ApiProtocolException(ApiError.INVALID_REQUEST, "unknown response status \"" + status + "\"");
        return read(n, type, "response " + status);
    }

    /** The protocol version a message says it is in, checked before anything else is read. */
    private static ObjectNode object(String line, String what) throws ApiProtocolException {
        JsonNode tree;
        try {
            tree = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new ApiProtocolException(ApiError.INVALID_REQUEST, "the " + what + " is not JSON: " + e.getOriginalMessage());
        }
        if (!(tree instanceof ObjectNode n)) throw new ApiProtocolException(ApiError.INVALID_REQUEST, "the " + what + " is not a JSON object");
        JsonNode v = n.get("version");
        if (v == null || !v.canConvertToExactIntegral()) {
            throw new ApiProtocolException(ApiError.INVALID_REQUEST, "the " + what + " has no protocol \"version\" number");
        }
        if (!ApiProtocol.SUPPORTED_VERSIONS.contains(v.intValue())) {
            throw new ApiProtocolException(ApiError.UNSUPPORTED_VERSION, "the " + what + " is in protocol version " + v.intValue()
                    + "; this side speaks " + ApiProtocol.SUPPORTED_VERSIONS);
        }
        return n;
    }

    private static String text(ObjectNode n, String field, String what) throws ApiProtocolException {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new ApiProtocolException(ApiError.INVALID_REQUEST, "the " + what + " has no \"" + field + "\"");
        return v.asText();
    }

    private static <T> T read(ObjectNode n, Class<T> type, String what) throws ApiProtocolException {
        n.remove("version");
        n.remove("op");
        n.remove("status");
        try {
            return JSON.treeToValue(n, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ApiProtocolException(ApiError.INVALID_REQUEST, "invalid " + what + ": " + reason(e));
        }
    }

    /** The records' own checks ("ips is empty") come wrapped in Jackson's exceptions; the innermost says it best. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        if (t instanceof JsonProcessingException j) return j.getOriginalMessage();
        return t.getMessage();
    }

    private static ObjectNode envelope(ObjectNode fields, String kindField, String kind) {
        ObjectNode out = JSON.createObjectNode();
        out.put("version", ApiProtocol.VERSION);
        out.put(kindField, kind);
        out.setAll(fields);
        return out;
    }

    private static String line(ObjectNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + n, e);
        }
    }
}
