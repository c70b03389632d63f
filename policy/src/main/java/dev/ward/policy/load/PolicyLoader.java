package dev.ward.policy.load;

import dev.ward.policy.model.Policy;
import dev.ward.policy.model.ServiceDefinition;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.parse.PolicyProblem;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads policy documents (files, or what a store holds) into a {@link PolicySet}. Each object is parsed on its
 * own: an invalid one is skipped and named in {@link PolicySet#skipped()}, and never stops the others.
 */
public final class PolicyLoader {
    private final PolicyParser parser;

    /** @param defaultNamespace the namespace of namespaced objects that name none */
    public PolicyLoader(String defaultNamespace) {
        this.parser = new PolicyParser(defaultNamespace);
    }

    public PolicySet read(List<PolicyDocument> documents, Map<Integer, String> storedIdentities) {
        List<Policy> policies = new ArrayList<>();
        List<ServiceDefinition> services = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (PolicyDocument d : documents) {
            for (ParsedDocument pd : parser.parse(d.text(), d.origin())) {
                if (!pd.ok()) {
                    skipped.add("skipping invalid " + pd.describe() + " (" + pd.origin() + "): "
                            + String.join("; ", pd.errors().stream().map(PolicyProblem::toString).toList()));
                    continue;
                }
                if (pd.policy() != null) policies.add(pd.policy());
                if (pd.service() != null) services.add(pd.service());
            }
        }
        return new PolicySet(policies, services, storedIdentities, skipped);
    }
}
