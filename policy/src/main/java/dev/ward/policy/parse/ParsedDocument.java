package dev.ward.policy.parse;

import dev.ward.policy.model.Policy;
import dev.ward.policy.model.ServiceDefinition;

import java.util.List;

/**
 * The outcome of one YAML document (or one item of a {@code List}): a policy, a service definition, or the errors
 * that kept it from being accepted. Documents are independent: a bad one never affects the others.
 */
public record ParsedDocument(String origin, String describe, Policy policy, ServiceDefinition service,
                             List<PolicyProblem> errors, List<PolicyProblem> warnings) {
    public ParsedDocument {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
