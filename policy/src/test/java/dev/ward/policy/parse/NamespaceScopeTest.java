package dev.ward.policy.parse;

import dev.ward.policy.model.Peer;
import dev.ward.policy.model.PeerRule;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Cilium's namespace implication, read off the parsed selectors. */
class NamespaceScopeTest {

    private static Policy parse(String yaml) {
        var docs = new PolicyParser().parse(yaml, "t.yaml");
        assertEquals(List.of(), docs.getFirst().errors());
        return docs.getFirst().policy();
    }

    private static List<String> peers(Rule r) {
        return r.peerRules().stream().map(PeerRule::peers).flatMap(List::stream).map(Peer::toString).toList();
    }

    @Test
    void namespacedPolicyScopesSubjectAndPeersUnlessTheyNameANamespace() {
        Policy p = parse("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: p, namespace: prod}
                spec:
                  endpointSelector: {matchLabels: {app: web, k8s:io.kubernetes.pod.namespace: other}}
                  ingress:
                  - fromEndpoints:
                    - {}
                    - matchLabels: {app: a}
                    - matchLabels: {k8s:io.kubernetes.pod.namespace: dev, app: b}
                    - matchLabels: {io.kubernetes.pod.namespace: dev}
                    - matchLabels: {io.cilium.k8s.namespace.labels.team: blue}
                    - matchLabels: {reserved:host: ""}
                  - fromRequires: [{matchLabels: {env: prod}}]
                  - fromNodes: [{matchLabels: {role: worker}}]
                """);
        Rule r = p.rules().getFirst();
        assertEquals("endpoints{any:app=web, k8s:io.kubernetes.pod.namespace=prod}", r.subject().toString());
        assertEquals(List.of(
                "endpoints{k8s:io.kubernetes.pod.namespace=prod}",
                "endpoints{any:app=a, k8s:io.kubernetes.pod.namespace=prod}",
                "endpoints{any:app=b, k8s:io.kubernetes.pod.namespace=dev}",
                "endpoints{any:io.kubernetes.pod.namespace=dev}",
                "endpoints{any:io.cilium.k8s.namespace.labels.team=blue}",
                "endpoints{reserved:host=}",
                "nodes{any:role=worker}"), peers(r));
        assertEquals("[{any:env=prod, k8s:io.kubernetes.pod.namespace=prod}]", r.peerRules().get(1).requires().toString());
    }

    @Test
    void clusterwidePeersMeanEveryPodExceptForInitializingSubjects() {
        Policy p = parse("""
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: p}
                specs:
                - endpointSelector: {}
                  ingress: [{fromEndpoints: [{}, {matchLabels: {app: a}}]}]
                - endpointSelector: {matchLabels: {"reserved:init": ""}}
                  ingress: [{fromEndpoints: [{}]}]
                """);
        assertEquals("endpoints{}", p.rules().getFirst().subject().toString());
        assertEquals(List.of("endpoints{k8s:io.kubernetes.pod.namespace}", "endpoints{any:app=a, k8s:io.kubernetes.pod.namespace}"),
                peers(p.rules().getFirst()));
        assertEquals(List.of("endpoints{}"), peers(p.rules().get(1)));
    }

    @Test
    void bareRuleListsImplyNothing() {
        Policy p = parse("""
                - endpointSelector: {matchLabels: {app: web}}
                  ingress: [{fromEndpoints: [{matchLabels: {app: a}}]}]
                """);
        assertEquals("endpoints{any:app=web}", p.rules().getFirst().subject().toString());
        assertEquals(List.of("endpoints{any:app=a}"), peers(p.rules().getFirst()));
    }

    @Test
    void networkPolicyPeersFollowKubernetesSemantics() {
        Policy p = parse("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: np, namespace: prod}
                spec:
                  podSelector: {matchLabels: {app: db}}
                  ingress:
                  - from:
                    - podSelector: {matchLabels: {role: client}}
                    - namespaceSelector: {matchLabels: {team: blue}}
                    - namespaceSelector: {}
                      podSelector: {matchLabels: {role: admin}}
                """);
        Rule r = p.rules().getFirst();
        assertEquals("endpoints{k8s:app=db, k8s:io.kubernetes.pod.namespace=prod}", r.subject().toString());
        assertEquals(List.of(
                "endpoints{k8s:io.kubernetes.pod.namespace=prod, k8s:role=client}",
                "endpoints{k8s:io.cilium.k8s.namespace.labels.team=blue, k8s:io.kubernetes.pod.namespace}",
                "endpoints{k8s:io.kubernetes.pod.namespace, k8s:role=admin}"), peers(r));
    }
}
