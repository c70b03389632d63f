package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The policies of the reference posts that were printed malformed, and that Ward must still accept as printed
 * because users paste them from there. Each is recognised by its exact content (SHA-256 of the document's tree in a
 * canonical JSON form: quoting, comments, layout and key order do not matter, every key and value does), so the
 * tolerance covers those documents and nothing else: the same malformation in any other document, or in a copy
 * of these with one value changed, is refused like any other.
 */
final class PublishedMisprints {
    private static final Map<String, String> BY_DIGEST = Map.of(
            "4f9ee1f143377b5d9362f10fdd297fb6921dac574a2020cf0b9264b2820824c7", "shared/reference/002 (DNS-aware egress policies; matchLabels printed as \"app=empire-hq\")",
            "15896577d343e9603fe313f15bbc9f9d9ca1052577102ddf93e202c70fa01fa6", "shared/reference/004 (Cilium 1.3, Cassandra; printed with lost indentation)");

    private PublishedMisprints() {}

    /** Where the document was published, if it is one of these; else null. */
    static String source(JsonNode root) {
        return BY_DIGEST.get(digest(root));
    }

    static String digest(JsonNode root) {
        StringBuilder canonical = new StringBuilder();
        canonical(root, canonical);
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void canonical(JsonNode n, StringBuilder out) {
        if (n.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                sorted.put(e.getKey(), e.getValue());
            }
            out.append('{');
            sorted.forEach((k, v) -> {
                out.append(TextNode.valueOf(k)).append(':');
                canonical(v, out);
                out.append(',');
            });
            out.append('}');
        } else if (n.isArray()) {
            out.append('[');
            for (JsonNode item : n) {
                canonical(item, out);
                out.append(',');
            }
            out.append(']');
        } else {
            out.append(n); // a scalar's JSON: a string stays apart from the number or boolean it spells
        }
    }
}
