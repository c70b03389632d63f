package dev.ward.policy.parse;

import dev.ward.policy.model.Policy;
import dev.ward.policy.model.ServiceDefinition;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of one YAML document (or one item of a {@code List}): a policy, a service definition, or the errors
 * that kept it from being accepted. Documents are independent: a bad one never affects the others. {@code repairs}
 * lists what {@link PolicyParser#fix} corrected; a strict reading reports those as errors instead.
 */
public record ParsedDocument(String origin, String describe, Policy policy, ServiceDefinition service,
                             List<PolicyProblem> errors, List<PolicyProblem> warnings, List<PolicyProblem> repairs) {
    public ParsedDocument {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
        repairs = List.copyOf(repairs);
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /** What this document defines, as {@code Kind/namespace/name}; null when it defines nothing valid. */
    public String object() {
        if (policy != null) return policy.key().toString();
        if (service != null) return "Service/" + service.namespace() + "/" + service.name();
        return null;
    }

    ParsedDocument withWarning(PolicyProblem w) {
        if (warnings.contains(w)) return this;
        List<PolicyProblem> ws = new ArrayList<>(warnings);
        ws.add(w);
        Policy p = policy;
        if (p != null) {
            List<String> pw = new ArrayList<>(p.warnings());
            pw.add(w.toString());
            p = new Policy(p.key(), p.rules(), pw);
        }
        return new ParsedDocument(origin, describe, p, service, errors, ws, repairs);
    }
}
