package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Where each scalar of one document sits, and the text an unquoted number or boolean was written as ({@code 80},
 * {@code 1.10}, {@code yes}). A field that needs a string can then say exactly what to quote (YAML reads
 * {@code 1.10} as the number 1.1), and a repair can put the right value in the scalar's place.
 */
final class ScalarSlots {
    private record Slot(String text, ContainerNode<?> parent, String field, int index) {}

    private final Map<JsonNode, Slot> slots = new IdentityHashMap<>();

    /** @param text the scalar as written, for numbers and booleans; null for strings and nulls */
    void add(JsonNode value, String text, ContainerNode<?> parent, String field, int index) {
        slots.put(value, new Slot(text, parent, field, index));
    }

    /** The text {@code value} was written as: for a number or boolean read from YAML its source, else its JSON text. */
    String text(JsonNode value) {
        Slot s = slots.get(value);
        return s != null && s.text != null ? s.text : value.asText();
    }

    /** Puts {@code replacement} where {@code value} sits; a value not read here (a document built in code) stays. */
    void replace(JsonNode value, JsonNode replacement) {
        Slot s = slots.remove(value);
        if (s == null) return;
        if (s.parent instanceof ObjectNode o) o.set(s.field, replacement);
        else if (s.parent instanceof ArrayNode a) a.set(s.index, replacement);
        slots.put(replacement, s);
    }
}
