package dev.ward.bpf;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.model.Policy;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;

import java.util.List;

/** Policies from YAML as operators write them, and pod identities, for tests. */
public final class TestPolicies {
    private TestPolicies() {}

    public static Policy policy(String yaml) {
        List<ParsedDocument> docs = new PolicyParser().parse(yaml, "test.yaml");
        if (!docs.getFirst().errors().isEmpty()) throw new IllegalArgumentException(docs.getFirst().errors() + " in\n" + yaml);
        return docs.getFirst().policy();
    }

    public static Policy cnp(String name, String spec) {
        return policy("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: " + name + "}\nspec: " + spec + "\n");
    }

    public static Identity pod(int id, String labels) {
        return Identity.of(id, LabelSet.parse("k8s:io.kubernetes.pod.namespace=default,k8s:io.cilium.k8s.policy.cluster=default,"
                + labels, "k8s"));
    }
}
