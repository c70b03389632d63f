package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.policy.model.FqdnPattern;

/** Reads a {@code {matchName}} or {@code {matchPattern}} entry (toFQDNs and DNS rules share the form). */
final class FqdnReader {
    private FqdnReader() {}

    static FqdnPattern read(JsonNode node, String path, Problems p) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        JsonNode name = f.takeValue("matchName");
        JsonNode pattern = f.takeValue("matchPattern");
        f.rejectUnknown();
        if ((name == null) == (pattern == null)) {
            p.error(path, "give exactly one of matchName and matchPattern");
            return null;
        }
        try {
            if (name != null) {
                String s = Values.string(name, f.child("matchName"), p);
                return s == null ? null : FqdnPattern.matchName(s);
            }
            String s = Values.string(pattern, f.child("matchPattern"), p);
            return s == null ? null : FqdnPattern.matchPattern(s);
        } catch (IllegalArgumentException e) {
            p.error(f.child(name != null ? "matchName" : "matchPattern"), e.getMessage());
            return null;
        }
    }
}
