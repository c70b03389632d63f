package dev.ward.bpf;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.model.Policy;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;

import java.util.List;

/** Policies from YAML as operators write them, and pod identities, for tests. */
public final class TestPolicies {
    /** rule1 of Cilium's Star Wars demo (sw_l3_l4_policy.yaml) as printed: only org=empire reaches the deathstar on 80/TCP. */
    public static final String STAR_WARS_RULE1 = """
            apiVersion: "cilium.io/v2"
            kind: CiliumNetworkPolicy
            description: "L3-L4 policy to restrict deathstar access to empire ships only"
            metadata:
              name: "rule1"
            spec:
              endpointSelector:
                matchLabels:
                  org: empire
                  class: deathstar
              ingress:
              - fromEndpoints:
                - matchLabels:
                    org: empire
                toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
            """;

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
