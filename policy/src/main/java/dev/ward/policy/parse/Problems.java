package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every error, warning and repair of one document, so an operator sees all that is wrong with a policy in
 * one run instead of fixing one field at a time.
 *
 * <p>A repair is a form the schema does not allow but that has one meaning (a field name in the wrong case, labels
 * that lost one indentation level). Read strictly it is an error, as the Kubernetes API would refuse the document or
 * silently drop the field; when repairing ({@code wardctl policy validate --fix}) it is corrected in the tree and
 * listed. Either way the correction is applied, so the rest of the document is checked as the author meant it.
 */
final class Problems {
    static final String FIX_HINT = "wardctl policy validate --fix does this";

    private final PolicyReading reading;
    private final YamlTree tree;
    private final List<PolicyProblem> errors = new ArrayList<>();
    private final List<PolicyProblem> warnings = new ArrayList<>();
    private final List<PolicyProblem> repairs = new ArrayList<>();

    /** Strict reading of a tree built in code (no YAML source). */
    Problems() {
        this(PolicyReading.STRICT, YamlTree.of(null));
    }

    Problems(PolicyReading reading, YamlTree tree) {
        this.reading = reading;
        this.tree = tree;
    }

    /** The same reading of the same document, for one item of a {@code List}. */
    Problems item() {
        return new Problems(reading, tree);
    }

    void error(String path, String message) {
        errors.add(new PolicyProblem(path, message));
    }

    void warn(String path, String message) {
        warnings.add(new PolicyProblem(path, message));
    }

    /**
     * @param problem    what is not as the schema says, e.g. "field name 'HTTP' is not 'http'"
     * @param correction what the repair does, in the imperative: "rename it to 'http'"
     * @param apply      applies the correction to the tree
     */
    void repair(String path, String problem, String correction, Runnable apply) {
        String published = reading == PolicyReading.STRICT ? tree.publishedMisprint() : null;
        apply.run();
        if (published != null) {
            warnings.add(new PolicyProblem(path, problem + ": read as if corrected (" + correction + "); accepted as "
                    + "printed only because this is the published example from " + published));
        } else if (reading == PolicyReading.STRICT) {
            errors.add(new PolicyProblem(path, problem + ": " + correction + " (" + FIX_HINT + ")"));
        } else {
            repairs.add(new PolicyProblem(path, problem + ": " + correction));
        }
    }

    /** The text {@code value} was written as (an unquoted {@code 1.10} is the number 1.1 to YAML). */
    String writtenAs(JsonNode value) {
        return tree.writtenAs(value);
    }

    /** Replaces a scalar of the document by {@code replacement}, wherever it now sits. */
    void replace(JsonNode value, JsonNode replacement) {
        tree.replace(value, replacement);
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    int errorCount() {
        return errors.size();
    }

    List<PolicyProblem> errors() {
        return List.copyOf(errors);
    }

    List<PolicyProblem> warnings() {
        return List.copyOf(warnings);
    }

    List<PolicyProblem> repairs() {
        return List.copyOf(repairs);
    }
}
