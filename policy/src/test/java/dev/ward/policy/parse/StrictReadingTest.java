package dev.ward.policy.parse;

import dev.ward.policy.model.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Security policy that is not what the schema says is refused by default, each form with the field it is at and
 * what would correct it; {@code fix} corrects exactly those forms, and its text is then read strictly as the
 * repaired reading read it.
 */
class StrictReadingTest {
    private final PolicyParser parser = new PolicyParser();

    private static final String HEAD = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: p
            spec:
              endpointSelector:
                matchLabels:
                  app: web
            """;

    /** Refused strictly at {@code path}, with the fix hint; fixed, and the fixed text reads strictly like the repair. */
    private void refusedThenFixed(String yaml, String path, String problem) {
        List<ParsedDocument> strict = parser.parse(yaml, "t.yaml");
        List<PolicyProblem> errors = strict.stream().flatMap(d -> d.errors().stream()).toList();
        assertTrue(errors.stream().anyMatch(e -> e.path().equals(path) && e.message().contains(problem)
                        && e.message().endsWith("(wardctl policy validate --fix does this)")),
                "expected " + path + ": ..." + problem + "... (--fix) in " + errors);
        for (ParsedDocument d : strict) if (!d.errors().isEmpty()) assertNull(d.policy(), "refused by default");

        FixedPolicies fixed = parser.fix(yaml, "t.yaml");
        assertTrue(fixed.ok(), fixed.documents().toString());
        assertTrue(fixed.documents().stream().flatMap(d -> d.repairs().stream())
                .anyMatch(r -> r.path().equals(path) && r.message().contains(problem)), fixed.documents().toString());
        List<ParsedDocument> reread = parser.parse(fixed.text(), "t.yaml");
        assertEquals(List.of(), reread.stream().flatMap(d -> d.errors().stream()).toList(), fixed.text());
        assertEquals(rules(fixed.documents()), rules(reread), fixed.text());
        assertEquals(fixed.text(), parser.fix(fixed.text(), "t.yaml").text(), "a fixed text needs no second fix");
    }

    private static List<?> rules(List<ParsedDocument> docs) {
        return docs.stream().filter(d -> d.policy() != null).map(d -> d.policy().rules()).toList();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
              ingress: [{toPorts: [{ports: [{port: '80'}], rules: {HTTP: [{path: /x}]}}]}]   | spec.ingress[0].toPorts[0].rules.HTTP | field name 'HTTP' is not 'http'
              Ingress: [{}]                                                                  | spec.Ingress | field name 'Ingress' is not 'ingress'
              ingress: [{fromEndpoints: [{matchLabels: , role: frontend}]}]                  | spec.ingress[0].fromEndpoints[0].matchLabels | is empty and followed by [role]
              ingress: [{fromEndpoints: [{matchLabels: }]}]                                  | spec.ingress[0].fromEndpoints[0].matchLabels | is null (the Kubernetes API drops it
              ingress: [{fromEndpoints: [{matchLabels: 'role=frontend,tier=web'}]}]          | spec.ingress[0].fromEndpoints[0].matchLabels | is the string 'role=frontend,tier=web'
              ingress: [{fromEndpoints: [{matchLabels: {version: 1.10}}]}]                   | spec.ingress[0].fromEndpoints[0].matchLabels.version | YAML reads the unquoted 1.10 as the number 1.1
              ingress: [{fromEndpoints: [{matchLabels: {enabled: yes}}]}]                    | spec.ingress[0].fromEndpoints[0].matchLabels.enabled | YAML reads the unquoted yes as the boolean true
              ingress: [{fromEndpoints: [{matchLabels: {role: }}]}]                          | spec.ingress[0].fromEndpoints[0].matchLabels.role | label value is null
              ingress: [{fromEndpoints: [{matchExpressions: [{key: role, operator: in, values: [a]}]}]}] | spec.ingress[0].fromEndpoints[0].matchExpressions[0].operator | 'in' is not an operator
              ingress: [{fromEndpoints: [{matchExpressions: [{key: tier, operator: In, values: [1]}]}]}] | spec.ingress[0].fromEndpoints[0].matchExpressions[0].values[0] | must be a string, not the number 1
              egress: [{toPorts: [{ports: [{port: 80, protocol: TCP}]}]}]                    | spec.egress[0].toPorts[0].ports[0].port | must be a string, not the number 80
              egress: [{toPorts: [{ports: [{port: '80', protocol: tcp}]}]}]                  | spec.egress[0].toPorts[0].ports[0].protocol | 'tcp' is not a protocol
              egress: [{toPorts: [{ports: [{port: ' 80', protocol: TCP}]}]}]                 | spec.egress[0].toPorts[0].ports[0].port | ' 80' has spaces around the port
              egress: [{toPorts: [{ports: [{port: '80', endPort: '90'}]}]}]                  | spec.egress[0].toPorts[0].ports[0].endPort | must be an integer, not the string '90'
              egress: [{icmps: [{fields: [{type: 8, family: ipv6}]}]}]                       | spec.egress[0].icmps[0].fields[0].family | 'ipv6' is not a family
              egress: [{icmps: [{fields: [{type: echorequest}]}]}]                           | spec.egress[0].icmps[0].fields[0].type | 'echorequest' is not an ICMP type name
              ingress: [{toPorts: [{ports: [{port: '9092'}], rules: {kafka: [{role: Produce}]}}]}] | spec.ingress[0].toPorts[0].rules.kafka[0].role | 'Produce' is not a role
              ingress: [{toPorts: [{ports: [{port: '9092'}], rules: {kafka: [{apiVersion: 3}]}}]}] | spec.ingress[0].toPorts[0].rules.kafka[0].apiVersion | must be a string, not the number 3
              enableDefaultDeny: {ingress: 'false'}                                          | spec.enableDefaultDeny.ingress | must be true or false, not the string 'false'
              labels: ['k8s:team=blue']                                                      | spec.labels[0] | is the string 'k8s:team=blue'
              ingress: [{toPorts: [{ports: [{port: '11211'}], rules: {l7proto: memcache, l7: [{command: 1}]}}]}] | spec.ingress[0].toPorts[0].rules.l7[0].command | must be a string, not the number 1
            """)
    void aRuleNotAsTheSchemaSaysIsRefusedAndFixed(String specTail, String path, String problem) {
        refusedThenFixed(HEAD + "  " + specTail + "\n", path, problem);
    }

    @Test
    void aFlattenedTopLevelIsRefusedAndFixed() {
        String flattened = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                name: flat
                specs:
                  - endpointSelector:
                    matchLabels:
                      app: db
                ingress:
                  - fromEndpoints: [{matchLabels: {app: api}}]
                """;
        refusedThenFixed(flattened, "metadata", "is empty and followed by [name] at the same indentation");
        refusedThenFixed(flattened, "specs[0]", "fields [ingress] appear at the top level");
        refusedThenFixed(flattened, "specs[0].endpointSelector", "is empty and followed by [matchLabels]");
    }

    @Test
    void objectLevelFormsAreRefusedAndFixed() {
        refusedThenFixed("apiversion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\nspec: {endpointSelector: {}, ingress: [{}]}\n",
                "apiversion", "field name 'apiversion' is not 'apiVersion'");
        refusedThenFixed("apiVersion: cilium.io/v2\nKind: CiliumNetworkPolicy\nmetadata: {name: p}\nspec: {endpointSelector: {}, ingress: [{}]}\n",
                "Kind", "field name 'Kind' is not 'kind'");
        refusedThenFixed("apiVersion: cilium.io/v1\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\nspec: {endpointSelector: {}, ingress: [{}]}\n",
                "apiVersion", "cilium.io/v1 is long retired");
        refusedThenFixed("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, description: why}\nspec: {endpointSelector: {}, ingress: [{}]}\n",
                "metadata.description", "is not a metadata field");
        refusedThenFixed("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec: {podSelector: {matchLabels: {tier: 2}}}\n",
                "spec.podSelector.matchLabels.tier", "must be a string, not the number 2");
        refusedThenFixed("apiVersion: v1\nkind: Service\nmetadata: {name: api, labels: {tier: 1}}\nspec: {selector: {app: api}}\n",
                "metadata.labels.tier", "must be a string, not the number 1");
        refusedThenFixed("apiVersion: v1\nkind: List\nItems:\n- apiVersion: cilium.io/v2\n  kind: CiliumNetworkPolicy\n  metadata: {name: p}\n  spec: {endpointSelector: {}}\n",
                "Items", "field name 'Items' is not 'items'");
    }

    @Test
    void whatTheSchemaAllowsNeedsNoFixAndKeepsItsText() {
        String text = HEAD + "  ingress: [{icmps: [{fields: [{type: '8'}, {type: EchoRequest, family: IPv6}]}]}]  # int-or-string\n";
        assertNotNull(parser.parse(text, "t.yaml").getFirst().policy());
        FixedPolicies fixed = parser.fix(text, "t.yaml");
        assertEquals(text, fixed.text(), "a document without repairs is printed as written, comments and all");
        assertEquals(List.of(), fixed.documents().getFirst().repairs());
    }

    @Test
    void fixKeepsEveryOtherDocumentAsWrittenAndTheDocumentsApart() {
        String good = "# first\n" + HEAD + "  ingress: [{}]\n";
        String bad = "---\n# second: a Cilium doc example\n" + HEAD.replace("name: p", "name: q") + "  ingress: [{fromEndpoints: [{matchLabels: , role: x}]}]\n";
        String broken = "--- {apiVersion: [\n";
        FixedPolicies fixed = parser.fix(good + bad + broken, "t.yaml");
        assertTrue(fixed.text().startsWith(good + "---\n# second: a Cilium doc example\napiVersion: cilium.io/v2\n"), fixed.text());
        assertTrue(fixed.text().endsWith("\n" + broken), "a document that is not YAML stays as it was: " + fixed.text());
        assertEquals(3, fixed.documents().size());
        assertTrue(!fixed.ok() && fixed.documents().get(2).errors().getFirst().message().startsWith("not valid YAML"));
        List<ParsedDocument> reread = parser.parse(fixed.text(), "t.yaml");
        assertNotNull(reread.get(0).policy());
        assertNotNull(reread.get(1).policy());
    }

    @Test
    void errorsThatNoRepairCoversStayErrorsWhenFixing() {
        FixedPolicies fixed = parser.fix(HEAD + "  Ingress: [{fromEntities: [nobody]}]\n", "t.yaml");
        ParsedDocument d = fixed.documents().getFirst();
        assertEquals(1, d.repairs().size(), d.repairs().toString());
        assertEquals("spec.ingress[0].fromEntities[0]", d.errors().getFirst().path());
        assertTrue(!fixed.ok());
    }

    @Test
    void thePostsPrintedMalformedAreAcceptedAsPrintedAndNothingLikeThem() throws Exception {
        String post = new String(StrictReadingTest.class.getResourceAsStream("/golden/posts/004-cassandra.yaml").readAllBytes());
        ParsedDocument asPrinted = parser.parse(post, "post.yaml").getFirst();
        Policy p = asPrinted.policy();
        assertNotNull(p, asPrinted.errors().toString());
        assertTrue(asPrinted.warnings().stream().allMatch(w -> w.message().contains("published example from shared/reference/004")));
        assertEquals(3, asPrinted.warnings().size(), asPrinted.warnings().toString());

        ParsedDocument edited = parser.parse(post.replace("app: empire-outpost", "app: rebel-outpost"), "mine.yaml").getFirst();
        assertNull(edited.policy(), "the same malformation in another document is refused");
        assertEquals(3, edited.errors().size(), edited.errors().toString());
    }
}
