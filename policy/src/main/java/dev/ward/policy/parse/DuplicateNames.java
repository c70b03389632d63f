package dev.ward.policy.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Two documents that define the same object (kind, namespace and name): applied together the later replaces the
 * earlier, as {@code kubectl apply} would, so the earlier's rules are silently lost. Each later one gets a warning
 * naming the earlier.
 */
public final class DuplicateNames {
    private DuplicateNames() {}

    /** The documents, in order, each later duplicate with its warning (added once, however often this runs). */
    public static List<ParsedDocument> mark(List<ParsedDocument> docs) {
        Map<String, String> first = new HashMap<>();
        List<ParsedDocument> out = new ArrayList<>(docs.size());
        for (ParsedDocument d : docs) {
            String object = d.object();
            String earlier = object == null ? null : first.putIfAbsent(object, d.origin());
            out.add(earlier == null ? d : d.withWarning(new PolicyProblem("metadata.name", object + " is also defined at "
                    + earlier + "; applied together, this later definition replaces that one")));
        }
        return out;
    }
}
