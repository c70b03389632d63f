package dev.ward.policy.parse;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every error and warning of one document, so an operator sees all that is wrong with a policy in one
 * run instead of fixing one field at a time.
 */
final class Problems {
    private final List<PolicyProblem> errors = new ArrayList<>();
    private final List<PolicyProblem> warnings = new ArrayList<>();

    void error(String path, String message) {
        errors.add(new PolicyProblem(path, message));
    }

    void warn(String path, String message) {
        warnings.add(new PolicyProblem(path, message));
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
}
