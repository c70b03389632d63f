package dev.ward.policy.parse;

import dev.ward.policy.model.Policy;
import dev.ward.policy.trace.Flow;
import dev.ward.policy.trace.PolicyTracer;
import dev.ward.policy.model.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** YAML as a hostile author writes it: anchors and aliases, alias bombs, and files of many documents. */
class YamlInputTest {
    private final PolicyParser parser = new PolicyParser();

    private static final String ALIASED = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: aliased}
            spec:
              endpointSelector: {matchLabels: {app: &me db}}
              ingress:
              - fromEndpoints: [{matchLabels: {app: *me}}]
            """;

    private static boolean allowed(List<Policy> policies, String src, String dst) {
        return new PolicyTracer(policies, List.of(), "default", Map.of())
                .trace(Flow.of(src, dst, Protocol.TCP, 5432, null)).allowed();
    }

    @Test
    void anAliasStandsForTheAnchoredValueNeverForItsName() {
        List<ParsedDocument> docs = parser.parse(ALIASED, "alias.yaml");
        assertEquals(List.of(), docs.getFirst().errors());
        List<Policy> policies = List.of(docs.getFirst().policy());
        assertTrue(allowed(policies, "app=db", "app=db"), "app=db -> app=db is what the policy says");
        assertFalse(allowed(policies, "app=me", "app=db"), "the alias's name is not a label value");
    }

    @Test
    void aliasedMappingsAndListsAreCopiedWhereTheyAreUsed() {
        List<ParsedDocument> docs = parser.parse("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: shared}
                spec:
                  endpointSelector: &web {matchLabels: {app: web}}
                  ingress:
                  - fromEndpoints: [*web]
                    toPorts: &http [{ports: [{port: "80", protocol: TCP}]}]
                  egress:
                  - toEndpoints: [*web]
                    toPorts: *http
                """, "shared.yaml");
        assertEquals(List.of(), docs.getFirst().errors());
        List<Policy> policies = List.of(docs.getFirst().policy());
        assertTrue(new PolicyTracer(policies, List.of(), "default", Map.of())
                .trace(Flow.of("app=web", "app=web", Protocol.TCP, 80, null)).allowed());
        assertFalse(new PolicyTracer(policies, List.of(), "default", Map.of())
                .trace(Flow.of("app=web", "app=web", Protocol.TCP, 81, null)).allowed());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anAliasBombIsRefusedBeforeItExpands() {
        StringBuilder y = new StringBuilder("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: bomb}\n");
        y.append("a0: &a0 [x, x]\n");
        for (int i = 1; i <= 24; i++) y.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a").append(i - 1).append("]\n");
        y.append("spec: {endpointSelector: {}, ingress: [{fromEndpoints: [{matchLabels: {k: *a24}}]}]}\n");
        ParsedDocument d = parser.parse(y.toString(), "bomb.yaml").getFirst();
        assertNull(d.policy());
        assertTrue(d.errors().getFirst().message().contains("aliases expand"), d.errors().toString());
    }

    @Test
    void aliasesBeyondSnakeYamlsLimitAndRecursiveAliasesAreRefused() {
        StringBuilder many = new StringBuilder("x: &x [1]\nl: [");
        for (int i = 0; i < 60; i++) many.append(i == 0 ? "" : ", ").append("*x");
        many.append("]\n");
        ParsedDocument d = parser.parse(many.toString(), "many.yaml").getFirst();
        assertTrue(d.errors().getFirst().message().contains("aliases"), d.errors().toString());

        ParsedDocument r = parser.parse("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: r}\nspec: &s {endpointSelector: {}, x: *s}\n", "rec.yaml").getFirst();
        assertTrue(r.errors().getFirst().message().contains("refers to itself"), r.errors().toString());
    }

    @Test
    void mergeKeysAndCustomTagsAreRefusedByName() {
        ParsedDocument merge = parser.parse("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: m}
                base: &base {endpointSelector: {}}
                spec:
                  <<: *base
                  ingress: [{}]
                """, "merge.yaml").getFirst();
        assertTrue(merge.errors().getFirst().message().contains("merge key"), merge.errors().toString());
        ParsedDocument tag = parser.parse("apiVersion: cilium.io/v2\nkind: !Policy CiliumNetworkPolicy\n", "tag.yaml").getFirst();
        assertTrue(tag.errors().getFirst().message().contains("tag !Policy"), tag.errors().toString());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHundredThousandDocumentsParseInOnePassWithTheirOwnLineNumbers() {
        int n = 100_000;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n - 1; i++) {
            text.append("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p").append(i)
                    .append("}\nspec: {endpointSelector: {matchLabels: {app: a").append(i).append("}}, ingress: [{}]}\n---\n");
        }
        // The last document is broken on its third line: the file's line 5 * (n - 1) + 3.
        text.append("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: name: last\n");
        List<ParsedDocument> docs = parser.parse(text.toString(), "big.yaml");
        assertEquals(n, docs.size());
        for (int i = 0; i < n - 1; i++) assertNotNull(docs.get(i).policy(), docs.get(i).origin());
        ParsedDocument last = docs.getLast();
        assertEquals("big.yaml#" + (n - 1), last.origin());
        assertTrue(last.errors().getFirst().message().startsWith("not valid YAML at line " + (5 * (n - 1) + 3)), last.errors().toString());
    }
}
