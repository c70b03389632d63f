package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One document's tree, with what YAML knew that the tree forgets: the text each unquoted number or boolean was
 * written as ({@code 80}, {@code 1.10}, {@code yes}). A field that needs a string can then say exactly what to quote
 * (YAML reads {@code 1.10} as the number 1.1), and a repair can put that string in the value's place.
 */
final class YamlTree {
    private final JsonNode root;
    private final Map<JsonNode, String> written = new IdentityHashMap<>();
    private String publishedMisprint;
    private boolean misprintChecked;

    YamlTree(JsonNode root) {
        this.root = root;
    }

    /** A tree not read from YAML here (a document built in code): values are their JSON text. */
    static YamlTree of(JsonNode root) {
        return new YamlTree(root);
    }

    JsonNode root() {
        return root;
    }

    void written(JsonNode value, String text) {
        written.put(value, text);
    }

    /** The text {@code value} was written as: for a number or boolean read from YAML its source, else its JSON text. */
    String writtenAs(JsonNode value) {
        String s = written.get(value);
        return s != null ? s : value.asText();
    }

    /**
     * The published example this document is, as printed, if it is one of {@link PublishedMisprints}. Decided from
     * the tree as read, before any repair changes it: the first repair asks.
     */
    String publishedMisprint() {
        if (!misprintChecked) {
            misprintChecked = true;
            publishedMisprint = root == null ? null : PublishedMisprints.source(root);
        }
        return publishedMisprint;
    }

    /** Puts {@code replacement} where {@code value} sits in the tree (a repair may have moved it since it was read). */
    void replace(JsonNode value, JsonNode replacement) {
        if (replace(root, value, replacement)) {
            String text = written.remove(value);
            if (text != null) written.put(replacement, text);
        }
    }

    private static boolean replace(JsonNode in, JsonNode value, JsonNode replacement) {
        if (in instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue() == value) {
                    e.setValue(replacement);
                    return true;
                }
                if (replace(e.getValue(), value, replacement)) return true;
            }
        } else if (in instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) == value) {
                    a.set(i, replacement);
                    return true;
                }
                if (replace(a.get(i), value, replacement)) return true;
            }
        }
        return false;
    }
}
