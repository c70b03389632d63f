package dev.ward.agent.endpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD mock answers a {@code spec.nodeName} field selector with nothing (it indexes metadata only, while
 * the real API server indexes Pods by node). This lets lists of Pods honour it as the API server does; watches get
 * every Pod, which the agent's own node check then filters. It records the selectors it saw, so a test can show the
 * agent asks for its node's Pods only.
 */
final class NodeNameSelectingDispatcher extends KubernetesCrudDispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NODE_SELECTOR = Pattern.compile("fieldSelector=([^&]*)");

    final List<String> podSelectors = new CopyOnWriteArrayList<>();

    @Override
    public MockResponse handleGet(String path) {
        String node = nodeSelected(path);
        if (node == null) return super.handleGet(path);
        MockResponse r = super.handleGet(strip(path));
        if (path.contains("watch=true") || r.getBody() == null) return r;
        try {
            JsonNode list = JSON.readTree(r.getBody().readUtf8());
            if (list.get("items") instanceof ArrayNode items) {
                ArrayNode kept = JSON.createArrayNode();
                for (JsonNode pod : items) if (node.equals(pod.path("spec").path("nodeName").asText())) kept.add(pod);
                ((ObjectNode) list).set("items", kept);
            }
            return r.setBody(JSON.writeValueAsString(list));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public MockResponse handleWatch(String path) {
        return super.handleWatch(nodeSelected(path) == null ? path : strip(path));
    }

    private String nodeSelected(String path) {
        if (!path.contains("/pods")) return null;
        Matcher m = NODE_SELECTOR.matcher(path);
        if (!m.find()) return null;
        String selector = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        podSelectors.add(selector);
        return selector.startsWith("spec.nodeName=") ? selector.substring("spec.nodeName=".length()) : null;
    }

    private static String strip(String path) {
        return NODE_SELECTOR.matcher(path).replaceAll("").replace("?&", "?").replace("&&", "&");
    }
}
