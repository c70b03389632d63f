package dev.ward.policy.bench;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.model.Policy;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A synthetic cluster for the benchmark: pods spread over namespaces and apps, and a mix of policies of every
 * kind, written as YAML and parsed, as users would write them. Deterministic for a given seed.
 */
final class SyntheticCluster {
    static final int NAMESPACES = 50;
    static final int APPS = 200;
    static final String[] TIERS = {"frontend", "backend", "cache", "db", "batch"};
    static final String[] ENVS = {"prod", "staging", "dev"};

    private final Random r;

    SyntheticCluster(long seed) {
        this.r = new Random(seed);
    }

    Identity identity(int id) {
        int app = r.nextInt(APPS);
        return Identity.of(id, LabelSet.of(
                Label.k8s("io.kubernetes.pod.namespace", "ns" + (app % NAMESPACES)),
                Label.k8s("io.cilium.k8s.policy.cluster", "default"),
                Label.k8s("app", "app" + app),
                Label.k8s("tier", TIERS[app % TIERS.length]),
                Label.k8s("env", ENVS[r.nextInt(ENVS.length)]),
                Label.k8s("version", "v" + r.nextInt(20))));
    }

    /** A policy of one of ten kinds, for a random app's pods. */
    String policyYaml(int n) {
        int app = r.nextInt(APPS);
        int peer = r.nextInt(APPS);
        String ns = "ns" + (app % NAMESPACES);
        String peerNs = "ns" + (peer % NAMESPACES);
        String head = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p" + n + ", namespace: " + ns + "}\nspec:\n"
                + "  endpointSelector: {matchLabels: {app: app" + app + "}}\n";
        int port = 1000 + r.nextInt(9000);
        return switch (n % 10) {
            case 0 -> head + "  ingress: [{fromEndpoints: [{matchLabels: {app: app" + peer + ", k8s:io.kubernetes.pod.namespace: " + peerNs + "}}]}]\n";
            case 1 -> head + "  ingress: [{fromEndpoints: [{matchLabels: {tier: " + TIERS[r.nextInt(TIERS.length)] + "}}], toPorts: [{ports: [{port: '" + port + "', protocol: TCP}]}]}]\n";
            case 2 -> head + "  ingress: [{fromEndpoints: [{matchLabels: {app: app" + peer + ", k8s:io.kubernetes.pod.namespace: " + peerNs + "}}], "
                    + "toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: GET, path: '/api/v" + r.nextInt(3) + "/.*'}]}}]}]\n";
            case 3 -> head + "  egress: [{toFQDNs: [{matchPattern: '*.svc" + r.nextInt(40) + ".example.com'}], toPorts: [{ports: [{port: '443', protocol: TCP}]}]}]\n";
            case 4 -> head + "  egress: [{toCIDRSet: [{cidr: 10." + (n % 256) + ".0.0/16, except: [10." + (n % 256) + ".0.0/24]}], toPorts: [{ports: [{port: '" + port + "', endPort: " + (port + 100) + ", protocol: TCP}]}]}]\n";
            case 5 -> head + "  ingressDeny: [{fromEndpoints: [{matchLabels: {env: dev, k8s:io.kubernetes.pod.namespace: " + peerNs + "}}]}]\n"
                    + "  ingress: [{fromEndpoints: [{matchExpressions: [{key: env, operator: In, values: [prod, staging]}]}]}]\n";
            case 6 -> head + "  egress: [{toEntities: [world], toPorts: [{ports: [{port: '443', protocol: TCP}]}]}, {toEntities: [kube-apiserver]}]\n";
            case 7 -> "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np" + n + ", namespace: " + ns + "}\nspec:\n"
                    + "  podSelector: {matchLabels: {app: app" + app + "}}\n"
                    + "  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: " + peerNs + "}}, podSelector: {matchLabels: {tier: backend}}}, "
                    + "{ipBlock: {cidr: 172.16.0.0/12, except: [172.16." + r.nextInt(256) + ".0/24]}}], ports: [{port: " + port + "}]}]\n";
            case 8 -> head + "  egress: [{toEndpoints: [{matchLabels: {app: app" + peer + ", k8s:io.kubernetes.pod.namespace: " + peerNs + "}}], "
                    + "toPorts: [{ports: [{port: '9092', protocol: TCP}], rules: {kafka: [{role: produce, topic: t" + r.nextInt(10) + "}]}}]}]\n";
            default -> head + "  egress: [{toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}], "
                    + "toPorts: [{ports: [{port: '53', protocol: ANY}], rules: {dns: [{matchPattern: '*.example.com'}]}}]}]\n";
        };
    }

    /** Cluster-wide policies every real cluster has: DNS for everybody, ingress from the cluster on a health port. */
    static List<String> clusterwide() {
        return List.of("""
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: dns-for-all}
                spec:
                  endpointSelector: {}
                  egress:
                  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
                    toPorts: [{ports: [{port: '53', protocol: ANY}], rules: {dns: [{matchPattern: '*'}]}}]
                """, """
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: health-from-cluster}
                spec:
                  endpointSelector: {}
                  ingress: [{fromEntities: [cluster], toPorts: [{ports: [{port: '8081', protocol: TCP}]}]}]
                """);
    }

    static Policy parse(String yaml) {
        List<ParsedDocument> docs = new PolicyParser().parse(yaml, "bench");
        if (!docs.getFirst().ok()) throw new IllegalStateException(docs.getFirst().errors() + "\n" + yaml);
        return docs.getFirst().policy();
    }

    List<Policy> policies(int count) {
        List<Policy> out = new ArrayList<>();
        for (String y : clusterwide()) out.add(parse(y));
        for (int i = 0; out.size() < count; i++) out.add(parse(policyYaml(i)));
        return out;
    }

    Random random() {
        return r;
    }
}
