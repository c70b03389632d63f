package dev.ward.policy.trace;

import dev.ward.policy.compute.NamedPort;
import dev.ward.policy.model.Policy;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Kubernetes NetworkPolicy semantics as truth tables: each row a policy variant and the verdicts it must give.
 * Pods: "db" (app=db) in namespace prod; peers in prod, in namespace alice-ns (labelled user=alice) and in bob-ns.
 */
class KubernetesNetworkPolicyTruthTableTest {
    private static final String DB = "io.kubernetes.pod.namespace=prod,app=db";
    private static final String CLIENT_PROD = "io.kubernetes.pod.namespace=prod,role=client";
    private static final String OTHER_PROD = "io.kubernetes.pod.namespace=prod,role=other";
    private static final String CLIENT_ALICE = "io.kubernetes.pod.namespace=alice-ns,io.cilium.k8s.namespace.labels.user=alice,role=client";
    private static final String OTHER_ALICE = "io.kubernetes.pod.namespace=alice-ns,io.cilium.k8s.namespace.labels.user=alice,role=other";
    private static final String CLIENT_BOB = "io.kubernetes.pod.namespace=bob-ns,io.cilium.k8s.namespace.labels.user=bob,role=client";
    private static final String OUTSIDE = "198.51.100.20";

    private static List<Policy> policies(String specYaml) {
        if (specYaml.isBlank()) return List.of();
        String doc = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: prod}\nspec: "
                + specYaml + "\n";
        List<Policy> out = new ArrayList<>();
        for (ParsedDocument d : new PolicyParser().parse(doc, "np.yaml")) {
            assertEquals(List.of(), d.errors(), doc);
            out.add(d.policy());
        }
        return out;
    }

    private static String verdict(List<Policy> ps, String src, String dst, String port, Map<String, Set<NamedPort>> named) {
        TraceResult r = new PolicyTracer(ps, List.of(), "default", named)
                .trace(Flow.of(src, dst, Flow.protocol(port), Flow.port(port), null));
        return r.allowed() ? "Y" : "N";
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # policy spec (in prod)                                                 | in from a bob-ns pod | in from outside | out to a bob-ns pod | out to outside
            ''                                                                      | Y | Y | Y | Y
            '{podSelector: {matchLabels: {app: other}}, policyTypes: [Ingress, Egress]}' | Y | Y | Y | Y
            '{podSelector: {}, policyTypes: [Ingress]}'                             | N | N | Y | Y
            '{podSelector: {}, policyTypes: [Egress]}'                              | Y | Y | N | N
            '{podSelector: {}, policyTypes: [Ingress, Egress]}'                     | N | N | N | N
            '{podSelector: {}, ingress: [{}]}'                                      | Y | Y | Y | Y
            '{podSelector: {}, egress: [{}]}'                                       | N | N | Y | Y
            '{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}'             | N | N | Y | Y
            '{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}'       | Y | N | Y | Y
            '{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}' | Y | Y | N | Y
            '{podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress, Egress], ingress: [{}], egress: [{to: [{podSelector: {}}]}]}' | Y | Y | N | N
            """)
    void isolationPerPolicyType(String spec, String inPod, String inOutside, String outPod, String outOutside) {
        List<Policy> ps = policies(spec);
        Map<String, Set<NamedPort>> none = Map.of();
        assertEquals(List.of(inPod, inOutside, outPod, outOutside), List.of(
                verdict(ps, CLIENT_BOB, DB, "5432/TCP", none),
                verdict(ps, OUTSIDE, DB, "5432/TCP", none),
                verdict(ps, DB, CLIENT_BOB, "5432/TCP", none),
                verdict(ps, DB, OUTSIDE, "5432/TCP", none)), spec);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # from                                                                                     | client/prod | other/prod | client/alice | other/alice | client/bob
            '[{podSelector: {matchLabels: {role: client}}}]'                                            | Y | N | N | N | N
            '[{namespaceSelector: {matchLabels: {user: alice}}}]'                                       | N | N | Y | Y | N
            '[{namespaceSelector: {matchLabels: {user: alice}}, podSelector: {matchLabels: {role: client}}}]' | N | N | Y | N | N
            '[{namespaceSelector: {matchLabels: {user: alice}}}, {podSelector: {matchLabels: {role: client}}}]' | Y | N | Y | Y | N
            '[{namespaceSelector: {}, podSelector: {matchLabels: {role: client}}}]'                     | Y | N | Y | N | Y
            '[{namespaceSelector: {}}]'                                                                 | Y | Y | Y | Y | Y
            # NotIn also matches namespaces without the label (prod has no user label)
            '[{namespaceSelector: {matchExpressions: [{key: user, operator: NotIn, values: [alice]}]}}]' | Y | Y | N | N | Y
            '[{podSelector: {}}]'                                                                       | Y | Y | N | N | N
            """)
    void namespaceAndPodSelectorsCombinedAndSeparate(String from, String a, String b, String c, String d, String e) {
        List<Policy> ps = policies("{podSelector: {matchLabels: {app: db}}, ingress: [{from: " + from + "}]}");
        Map<String, Set<NamedPort>> none = Map.of();
        assertEquals(List.of(a, b, c, d, e), List.of(
                verdict(ps, CLIENT_PROD, DB, "5432/TCP", none),
                verdict(ps, OTHER_PROD, DB, "5432/TCP", none),
                verdict(ps, CLIENT_ALICE, DB, "5432/TCP", none),
                verdict(ps, OTHER_ALICE, DB, "5432/TCP", none),
                verdict(ps, CLIENT_BOB, DB, "5432/TCP", none)), from);
    }

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource(delimiter = '|', textBlock = """
            '{cidr: 172.17.0.0/16, except: [172.17.1.0/24]}'                       | 172.17.0.1   | Y
            '{cidr: 172.17.0.0/16, except: [172.17.1.0/24]}'                       | 172.17.1.1   | N
            '{cidr: 172.17.0.0/16, except: [172.17.1.0/24]}'                       | 172.17.1.255 | N
            '{cidr: 172.17.0.0/16, except: [172.17.1.0/24]}'                       | 172.17.2.0   | Y
            '{cidr: 172.17.0.0/16, except: [172.17.1.0/24]}'                       | 172.18.0.1   | N
            '{cidr: 172.17.0.0/16, except: [172.17.1.0/24, 172.17.128.0/17]}'      | 172.17.200.1 | N
            '{cidr: 172.17.0.0/16, except: [172.17.1.0/24, 172.17.128.0/17]}'      | 172.17.127.1 | Y
            '{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}'                              | 10.1.1.1     | N
            '{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}'                              | 203.0.113.1  | Y
            '{cidr: 2001:db8::/32, except: [2001:db8:1::/48]}'                     | 2001:db8:2::1 | Y
            '{cidr: 2001:db8::/32, except: [2001:db8:1::/48]}'                     | 2001:db8:1::1 | N
            """)
    void ipBlockExcept(String block, String source, String expected) {
        List<Policy> ps = policies("{podSelector: {}, ingress: [{from: [{ipBlock: " + block + "}]}]}");
        assertEquals(expected, verdict(ps, source, DB, "443/TCP", Map.of()));
    }

    @ParameterizedTest(name = "port {0} on a pod with http={1}")
    @CsvSource(delimiter = '|', textBlock = """
            # ingress ports: [{port: http}] (TCP by default); the name resolves on the destination pod
            8080/TCP | 8080/TCP | Y
            9090/TCP | 8080/TCP | N
            9090/TCP | 9090/TCP | Y
            8080/UDP | 8080/UDP | N
            8080/TCP | ''       | N
            """)
    void namedPortsResolveOnTheDestinationPod(String flowPort, String podPort, String expected) {
        List<Policy> ps = policies("{podSelector: {}, ingress: [{ports: [{port: http}]}]}");
        Map<String, Set<NamedPort>> named = podPort.isEmpty() ? Map.of()
                : Map.of("http", Set.of(new NamedPort(Flow.port(podPort), Flow.protocol(podPort))));
        assertEquals(expected, verdict(ps, CLIENT_PROD, DB, flowPort, named));
    }

    @ParameterizedTest(name = "{0} port {1}")
    @CsvSource(delimiter = '|', textBlock = """
            '[{port: 32000, endPort: 32768}]'             | 31999/TCP | N
            '[{port: 32000, endPort: 32768}]'             | 32000/TCP | Y
            '[{port: 32000, endPort: 32768}]'             | 32400/TCP | Y
            '[{port: 32000, endPort: 32768}]'             | 32768/TCP | Y
            '[{port: 32000, endPort: 32768}]'             | 32769/TCP | N
            '[{port: 32000, endPort: 32768}]'             | 32400/UDP | N
            '[{port: 32000, endPort: 32768, protocol: UDP}]' | 32400/UDP | Y
            '[{protocol: UDP}]'                           | 9/UDP     | Y
            '[{protocol: UDP}]'                           | 9/TCP     | N
            '[{port: 53, protocol: UDP}, {port: 53}]'     | 53/TCP    | Y
            '[{port: 53, protocol: SCTP}]'                | 53/SCTP   | Y
            '[{port: 53, protocol: SCTP}]'                | 53/TCP    | N
            """)
    void portsAndEndPort(String ports, String flowPort, String expected) {
        List<Policy> ps = policies("{podSelector: {}, ingress: [{ports: " + ports + "}]}");
        assertEquals(expected, verdict(ps, CLIENT_PROD, DB, flowPort, Map.of()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # two rules of one policy are ORed; inside a rule, peers and ports are ANDed
            '[{from: [{podSelector: {matchLabels: {role: client}}}], ports: [{port: 5432}]}, {from: [{podSelector: {matchLabels: {role: other}}}], ports: [{port: 80}]}]' | Y | N | N | Y
            """)
    void rulesAreOredAndPeersAndPortsAnded(String ingress, String clientDb, String clientWeb, String otherDb, String otherWeb) {
        List<Policy> ps = policies("{podSelector: {matchLabels: {app: db}}, ingress: " + ingress + "}");
        Map<String, Set<NamedPort>> none = Map.of();
        assertEquals(List.of(clientDb, clientWeb, otherDb, otherWeb), List.of(
                verdict(ps, CLIENT_PROD, DB, "5432/TCP", none),
                verdict(ps, CLIENT_PROD, DB, "80/TCP", none),
                verdict(ps, OTHER_PROD, DB, "5432/TCP", none),
                verdict(ps, OTHER_PROD, DB, "80/TCP", none)));
    }
}
