package dev.ward.policy.parse;

import java.util.List;

/**
 * What {@link PolicyParser#fix} made of a file: the corrected text, and each document as the repaired reading
 * sees it (with what was repaired, and any errors no repair covers).
 */
public record FixedPolicies(String text, List<ParsedDocument> documents) {
    public FixedPolicies {
        documents = List.copyOf(documents);
    }

    /** Whether every document is valid once repaired. */
    public boolean ok() {
        return documents.stream().allMatch(ParsedDocument::ok);
    }
}
