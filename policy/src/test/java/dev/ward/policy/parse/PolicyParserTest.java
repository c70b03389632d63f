package dev.ward.policy.parse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Malformed input is rejected with the field path and the reason, and one bad document never hides the others. */
class PolicyParserTest {
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

    private List<PolicyProblem> errors(String yaml) {
        List<ParsedDocument> docs = parser.parse(yaml, "t.yaml");
        assertEquals(1, docs.size(), "one document");
        assertNull(docs.getFirst().policy(), "a document with errors yields no policy");
        return docs.getFirst().errors();
    }

    private void assertError(String yaml, String path, String reasonFragment) {
        List<PolicyProblem> errs = errors(yaml);
        assertTrue(errs.stream().anyMatch(e -> e.path().equals(path) && e.message().contains(reasonFragment)),
                "expected " + path + ": ..." + reasonFragment + "... in " + errs);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
              ingress: [{fromEndpoint: [{}]}]                                             | spec.ingress[0].fromEndpoint | unknown field
              egress: [{toPorts: [{ports: [{port: '70000'}]}]}]                           | spec.egress[0].toPorts[0].ports[0].port | must be between 0 and 65535 or a port name, not 70000
              egress: [{toPorts: [{ports: [{port: '80', protocol: ICMP}]}]}]              | spec.egress[0].toPorts[0].ports[0].protocol | unknown protocol 'ICMP'
              egress: [{toPorts: [{ports: [{port: '8080', endPort: 80}]}]}]               | spec.egress[0].toPorts[0].ports[0].endPort | endPort 80 is below port 8080
              egress: [{toPorts: [{ports: [{port: 'HTTP_Port'}]}]}]                       | spec.egress[0].toPorts[0].ports[0].port | neither a port number nor a valid port name
              egress: [{toPorts: [{ports: [{port: http, endPort: 90}]}]}]                 | spec.egress[0].toPorts[0].ports[0].endPort | cannot follow a named port
              egress: [{toCIDR: [10.0.0.0/33]}]                                           | spec.egress[0].toCIDR[0] | prefix length 33 exceeds 32
              egress: [{toCIDR: [not-an-ip]}]                                             | spec.egress[0].toCIDR[0] | is not an IP address or CIDR
              egress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [192.168.0.0/16]}]}]      | spec.egress[0].toCIDRSet[0].except[0] | 192.168.0.0/16 is not inside 10.0.0.0/8
              egress: [{toEntities: [everything]}]                                        | spec.egress[0].toEntities[0] | unknown entity 'everything'
              ingress: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{path: '(' }]}}]}] | spec.ingress[0].toPorts[0].rules.http[0].path | invalid regular expression '('
              ingress: [{toPorts: [{ports: [{port: '9092'}], rules: {kafka: [{role: produce, apiKey: fetch}]}}]}] | spec.ingress[0].toPorts[0].rules.kafka[0] | role and apiKey are exclusive
              ingress: [{toPorts: [{ports: [{port: '9092'}], rules: {kafka: [{role: admin}]}}]}] | spec.ingress[0].toPorts[0].rules.kafka[0].role | unknown Kafka role 'admin'
              ingress: [{toPorts: [{ports: [{port: '9092'}], rules: {kafka: [{topic: 'a b'}]}}]}] | spec.ingress[0].toPorts[0].rules.kafka[0].topic | is not a Kafka topic name
              ingress: [{toPorts: [{ports: [{port: '53'}], rules: {dns: [{matchPattern: '*'}]}}]}] | spec.ingress[0].toPorts[0].rules.dns | DNS rules apply to egress only
              ingressDeny: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{}]}}]}]    | spec.ingressDeny[0].toPorts[0].rules | L7 rules are not allowed in deny sections
              ingress: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{}], kafka: [{}]}}]}] | spec.ingress[0].toPorts[0].rules | mixes L7 rule types [http, kafka]
              ingress: [{toPorts: [{ports: [{port: '80'}], rules: {http: []}}]}]          | spec.ingress[0].toPorts[0].rules.http | is an empty list
              ingress: [{toPorts: [{ports: [{port: '80', endPort: 90}], rules: {http: [{}]}}]}] | spec.ingress[0].toPorts[0].ports | L7 rules need single ports
              egressDeny: [{toFQDNs: [{matchName: a.com}]}]                              | spec.egressDeny[0].toFQDNs | is not allowed in egressDeny
              egress: [{toFQDNs: [{matchName: a.com, matchPattern: '*.a.com'}]}]        | spec.egress[0].toFQDNs[0] | give exactly one of matchName and matchPattern
              egress: [{toFQDNs: [{matchPattern: 'a.**.com'}]}]                          | spec.egress[0].toFQDNs[0].matchPattern | '**' is only allowed as the leading label
              egress: [{toFQDNs: [{matchName: 'bad name.com'}]}]                         | spec.egress[0].toFQDNs[0].matchName | is not a DNS name
              ingress: [{fromEndpoints: [{matchExpressions: [{key: app, operator: In}]}]}] | spec.ingress[0].fromEndpoints[0].matchExpressions[0].operator | In needs at least one value
              ingress: [{fromEndpoints: [{matchExpressions: [{key: app, operator: Near, values: [x]}]}]}] | spec.ingress[0].fromEndpoints[0].matchExpressions[0].operator | unknown operator 'Near'
              ingress: [{fromEndpoints: [{matchLabels: {'foo:app': web}}]}]              | spec.ingress[0].fromEndpoints[0].matchLabels.foo:app | unknown label source 'foo'
              ingress: [{fromEndpoints: [{matchLabels: {app: {nested: map}}}]}]          | spec.ingress[0].fromEndpoints[0].matchLabels.app | label value must be a string
              ingress: [{fromGroups: [{aws: {}}]}]                                        | spec.ingress[0].fromGroups | cloud-provider groups are not supported
              ingress: [{fromEndpoints: [{}], authentication: {mode: required}}]          | spec.ingress[0].authentication | is not supported
              ingress: [{toPorts: [{ports: [{port: '443'}], serverNames: [a.com]}]}]      | spec.ingress[0].toPorts[0].serverNames | is not supported by Ward
              ingress: [{icmps: [{fields: [{type: Ping}]}]}]                             | spec.ingress[0].icmps[0].fields[0].type | unknown ICMP type name 'Ping'
              ingress: [{icmps: [{fields: [{type: 8, family: IPv5}]}]}]                  | spec.ingress[0].icmps[0].fields[0].family | must be IPv4 or IPv6
              ingress: {fromEndpoints: [{}]}                                              | spec.ingress | must be a list, not a mapping
              enableDefaultDeny: {ingress: maybe}                                         | spec.enableDefaultDeny.ingress | must be true or false
            """)
    void rejectsWithPathAndReason(String specTail, String path, String reason) {
        assertError(HEAD + "  " + specTail + "\n", path, reason);
    }

    @Test
    void reportsEveryErrorOfADocumentAtOnce() {
        List<PolicyProblem> errs = errors(HEAD + """
                  ingress:
                  - fromEndpoint: [{}]
                    toPorts: [{ports: [{port: '99999'}]}]
                  egress:
                  - toEntities: [bogus]
                """);
        assertEquals(3, errs.size(), errs.toString());
    }

    @Test
    void needsExactlyOneSubjectSelector() {
        assertError("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: p}
                spec:
                  endpointSelector: {}
                  nodeSelector: {}
                """, "spec", "give exactly one of endpointSelector and nodeSelector");
    }

    @Test
    void metadataIsChecked() {
        assertError("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: Bad_Name}
                spec: {endpointSelector: {}}
                """, "metadata.name", "is not a valid object name");
        assertError("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                spec: {endpointSelector: {}}
                """, "metadata", "is required");
        assertError("""
                apiVersion: cilium.io/v3
                kind: CiliumNetworkPolicy
                metadata: {name: p}
                spec: {endpointSelector: {}}
                """, "apiVersion", "must be cilium.io/v2");
        assertError("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: p}
                """, "kind", "unsupported kind 'ConfigMap'");
    }

    @Test
    void duplicateKeysAreErrors() {
        List<PolicyProblem> errs = errors("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: p}
                spec:
                  endpointSelector: {}
                  endpointSelector: {matchLabels: {app: x}}
                """);
        assertTrue(errs.getFirst().message().equals("not valid YAML at line 6: duplicate key 'endpointSelector'"),
                errs.toString());
    }

    @Test
    void oneBadDocumentNeverStopsTheOthers() {
        String text = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: first}
                spec: {endpointSelector: {}, ingress: [{}]}
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: broken
                spec: [
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: invalid}
                spec: {endpointSelector: {}, ingress: [{fromEntities: [nobody]}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: last}
                spec: {podSelector: {}}
                """;
        List<ParsedDocument> docs = parser.parse(text, "multi.yaml");
        assertEquals(4, docs.size());
        assertNotNull(docs.get(0).policy());
        assertTrue(docs.get(1).errors().getFirst().message().startsWith("not valid YAML at line 9"), docs.get(1).errors().toString());
        assertEquals("spec.ingress[0].fromEntities[0]", docs.get(2).errors().getFirst().path());
        assertNotNull(docs.get(3).policy());
        assertEquals("multi.yaml#3", docs.get(3).origin());
    }

    @Test
    void listItemsAreSeparateDocuments() {
        List<ParsedDocument> docs = parser.parse("""
                apiVersion: v1
                kind: List
                items:
                - apiVersion: cilium.io/v2
                  kind: CiliumNetworkPolicy
                  metadata: {name: good}
                  spec: {endpointSelector: {}}
                - apiVersion: cilium.io/v2
                  kind: CiliumNetworkPolicy
                  metadata: {name: bad}
                  spec: {endpointSelector: {}, egress: [{toPorts: [{ports: [{port: '-1'}]}]}]}
                """, "list.yaml");
        assertEquals(2, docs.size());
        assertNotNull(docs.get(0).policy());
        assertEquals("items[1].spec.egress[0].toPorts[0].ports[0].port", docs.get(1).errors().getFirst().path());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
              ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]        | spec.ingress[0].from[0] | ipBlock cannot be combined
              ingress: [{from: [{}]}]                                                     | spec.ingress[0].from[0] | needs podSelector, namespaceSelector or ipBlock
              ingress: [{ports: [{port: '80'}]}]                                          | spec.ingress[0].ports[0].port | a number written as a string
              ingress: [{ports: [{port: http, endPort: 90}]}]                             | spec.ingress[0].ports[0].endPort | cannot be used with a named port
              ingress: [{ports: [{port: 80, endPort: 79}]}]                               | spec.ingress[0].ports[0].endPort | must be at least port (80), not 79
              ingress: [{ports: [{port: 80, protocol: ANY}]}]                             | spec.ingress[0].ports[0].protocol | must be TCP, UDP or SCTP
              ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]   | spec.ingress[0].from[0].ipBlock.except[0] | must be a strict subset
              ingress: [{from: [{ipBlock: {cidr: 10.0.0.1}}]}]                            | spec.ingress[0].from[0].ipBlock.cidr | needs a prefix length
              policyTypes: [Ingress, Sideways]                                            | spec.policyTypes[1] | must be Ingress or Egress
            """)
    void rejectsBadNetworkPolicies(String specTail, String path, String reason) {
        assertError("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: np, namespace: prod}
                spec:
                  podSelector: {}
                """ + "  " + specTail + "\n", path, reason);
    }

    @Test
    void warnsAboutIneffectiveNetworkPolicySections() {
        List<ParsedDocument> docs = parser.parse("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: np}
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                  egress: [{to: [{podSelector: {}}]}]
                """, "np.yaml");
        assertNotNull(docs.getFirst().policy());
        assertEquals("spec.egress: has rules but policyTypes does not list Egress: the rules have no effect",
                docs.getFirst().warnings().getFirst().toString());
    }

    @Test
    void aSecondDocumentDefiningTheSameObjectWarnsThatItReplacesTheFirst() {
        String one = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: same}\nspec: {endpointSelector: {}, ingress: [{}]}\n";
        List<ParsedDocument> docs = parser.parse(one + "---\n" + one.replace("ingress: [{}]", "egress: [{}]")
                + "---\n" + one.replace("same", "other"), "dup.yaml");
        assertEquals(List.of(), docs.get(0).warnings());
        assertEquals(List.of(new PolicyProblem("metadata.name", "CiliumNetworkPolicy/default/same is also defined at dup.yaml#0; "
                + "applied together, this later definition replaces that one")), docs.get(1).warnings());
        assertTrue(docs.get(1).policy().warnings().getFirst().contains("is also defined at dup.yaml#0"));
        assertEquals(List.of(), docs.get(2).warnings());
    }
}
