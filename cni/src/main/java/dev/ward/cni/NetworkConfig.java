package dev.ward.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.agentapi.ApiProtocol;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network configuration a runtime gives the plugin on stdin: the spec's fields, Ward's own ({@code agentSocket},
 * {@code readyTimeoutSeconds}), the runtime's labels ({@code args.cni.labels}, the CNI conventions' form) and, when
 * chained, the previous plugin's result ({@code prevResult}).
 */
public record NetworkConfig(String cniVersion, String name, Path agentSocket, Duration readyTimeout, Map<String, String> labels,
                            ObjectNode prevResult) {
    /** The versions whose results this plugin reads and writes (0.3.x and 0.4.0 results have the same shape as 1.0.0's). */
    public static final List<String> SUPPORTED_VERSIONS = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0");
    static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static NetworkConfig parse(byte[] stdin) throws CniError {
        JsonNode root;
        try {
            root = JSON.readTree(stdin);
        } catch (IOException e) {
            throw new CniError(CniError.DECODING_FAILURE, "the network configuration on stdin is not JSON", e.getMessage());
        }
        if (!(root instanceof ObjectNode o)) throw new CniError(CniError.DECODING_FAILURE, "the network configuration on stdin is not a JSON object");
        String version = text(o, "cniVersion");
        if (version == null) throw new CniError(CniError.INVALID_CONFIG, "the network configuration has no cniVersion");
        if (!SUPPORTED_VERSIONS.contains(version)) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "cniVersion " + version + " is not supported (supported: " + SUPPORTED_VERSIONS + ")");
        }
        Path socket = ApiProtocol.DEFAULT_SOCKET;
        JsonNode s = o.get("agentSocket");
        if (s != null) {
            if (!s.isTextual() || !s.asText().startsWith("/")) {
                throw new CniError(CniError.INVALID_CONFIG, "agentSocket must be an absolute path, not " + s);
            }
            socket = Path.of(s.asText());
        }
        Duration timeout = DEFAULT_READY_TIMEOUT;
        JsonNode t = o.get("readyTimeoutSeconds");
        if (t != null) {
            if (!t.canConvertToExactIntegral() || t.asInt() < 1 || t.asInt() > 600) {
                throw new CniError(CniError.INVALID_CONFIG, "readyTimeoutSeconds must be a whole number of seconds from 1 to 600, not " + t);
            }
            timeout = Duration.ofSeconds(t.asInt());
        }
        JsonNode prev = o.get("prevResult");
        if (prev != null && !prev.isNull() && !(prev instanceof ObjectNode)) {
            throw new CniError(CniError.INVALID_CONFIG, "prevResult is not a JSON object");
        }
        return new NetworkConfig(version, text(o, "name"), socket, timeout, labels(o), prev instanceof ObjectNode p ? p : null);
    }

    /** {@code args.cni.labels}: {@code [{"key": "app", "value": "web"}, ...]}. */
    private static Map<String, String> labels(ObjectNode o) throws CniError {
        JsonNode l = o.path("args").path("cni").path("labels");
        Map<String, String> out = new LinkedHashMap<>();
        if (l.isMissingNode() || l.isNull()) return out;
        if (!l.isArray()) throw new CniError(CniError.INVALID_CONFIG, "args.cni.labels must be a list of {key, value}");
        for (JsonNode e : l) {
            JsonNode k = e.get("key"), v = e.get("value");
            if (k == null || !k.isTextual() || k.asText().isEmpty() || (v != null && !v.isTextual())) {
                throw new CniError(CniError.INVALID_CONFIG, "args.cni.labels has an entry that is not {\"key\": string, \"value\": string}: " + e);
            }
            out.put(k.asText(), v == null ? "" : v.asText());
        }
        return out;
    }

    private static String text(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    public boolean checkSupported() {
        return !cniVersion.startsWith("0.3.");
    }
}
