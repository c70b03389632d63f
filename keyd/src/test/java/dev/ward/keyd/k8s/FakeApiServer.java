package dev.ward.keyd.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * fabric8's CRUD mock server with the three API-server behaviours Ward's Kubernetes flows depend on and the mock
 * lacks: (1) authentication: a CSR's {@code spec.username/groups/uid/extra} are set from the caller's bearer token,
 * never from the request body; (2) optimistic concurrency: a PUT carrying a stale {@code resourceVersion} gets
 * 409 Conflict; (3) the CSR {@code approval} subresource, which like {@code status} changes only the status.
 */
final class FakeApiServer extends KubernetesCrudDispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CSR_COLLECTION = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

    /** Who a bearer token authenticates as. */
    record Identity(String username, List<String> groups, Map<String, List<String>> extra) {}

    private final Map<String, Identity> tokens = new ConcurrentHashMap<>();

    void authenticate(String bearerToken, Identity identity) {
        tokens.put(bearerToken, identity);
    }

    @Override
    public synchronized MockResponse handleCreate(RecordedRequest request) {
        String path = request.getPath();
        String body = request.getUtf8Body();
        if (path.startsWith(CSR_COLLECTION)) body = withRequester(body, request.getHeader("Authorization"));
        return super.handleCreate(copy(request, path, body));
    }

    @Override
    public synchronized MockResponse handleUpdate(RecordedRequest request) {
        String path = request.getPath();
        String body = request.getUtf8Body();
        if (path.endsWith("/approval")) path = path.substring(0, path.length() - "/approval".length()) + "/status";
        String objectPath = path.endsWith("/status") ? path.substring(0, path.length() - "/status".length()) : path;
        String sent = resourceVersion(body);
        if (sent != null && !sent.isEmpty()) {
            MockResponse stored = super.handleGet(objectPath);
            if (stored.code() == 200) {
                String current = resourceVersion(stored.getBody().readUtf8());
                if (!sent.equals(current)) return conflict(objectPath, sent, current);
            }
        }
        return super.handleUpdate(copy(request, path, body));
    }

    @Override
    public synchronized MockResponse handlePatch(RecordedRequest request) {
        return super.handlePatch(request);
    }

    @Override
    public synchronized MockResponse handleDelete(String path) {
        return super.handleDelete(path);
    }

    private String withRequester(String body, String authorization) {
        try {
            ObjectNode csr = (ObjectNode) JSON.readTree(body);
            ObjectNode spec = csr.with("spec");
            String token = authorization == null ? "" : authorization.replaceFirst("(?i)^Bearer ", "");
            Identity who = tokens.getOrDefault(token, new Identity("system:anonymous", List.of("system:unauthenticated"), Map.of()));
            spec.put("username", who.username());
            spec.put("uid", UUID.nameUUIDFromBytes(who.username().getBytes(StandardCharsets.UTF_8)).toString());
            spec.set("groups", JSON.valueToTree(who.groups()));
            if (who.extra().isEmpty()) spec.remove("extra");
            else spec.set("extra", JSON.valueToTree(who.extra()));
            return JSON.writeValueAsString(csr);
        } catch (Exception e) {
            return body; // not JSON: let the mock reject it as the API server would
        }
    }

    private static String resourceVersion(String json) {
        try {
            JsonNode rv = JSON.readTree(json).path("metadata").path("resourceVersion");
            return rv.isMissingNode() || rv.isNull() ? null : rv.asText();
        } catch (Exception e) {
            return null;
        }
    }

    private static MockResponse conflict(String path, String sent, String current) {
        String status = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409,"
                + "\"message\":\"Operation cannot be fulfilled on " + path + ": the object has been modified (resourceVersion "
                + sent + " is not " + current + ")\"}";
        return new MockResponse().setResponseCode(409).setBody(status);
    }

    private static RecordedRequest copy(RecordedRequest r, String path, String body) {
        String line = r.getRequestLine().replace(r.getPath(), path);
        return new RecordedRequest(line, r.method(), path, r.getHeaders(), new Buffer(body.getBytes(StandardCharsets.UTF_8)));
    }
}
