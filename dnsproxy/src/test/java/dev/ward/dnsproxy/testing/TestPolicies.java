package dev.ward.dnsproxy.testing;

/** Policies the namespace tests share. */
public final class TestPolicies {
    private TestPolicies() {}

    /** Pods labelled app=client may ask the DNS servers of 10.77.2.0/24 for *.allowed.test and reach those names on 443. */
    public static final String CLIENT_DNS = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: dns, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              egress:
              - toCIDR: [10.77.2.0/24]
                toPorts:
                - ports: [{port: "53", protocol: ANY}]
                  rules:
                    dns:
                    - matchPattern: "*.allowed.test"
              - toFQDNs: [{matchPattern: "*.allowed.test"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            """;

    /** Pods labelled app=client may reach on 443 the addresses answered for *.example.test (no DNS rule of its own). */
    public static final String FQDN_EXAMPLE = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: fqdn, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              egress:
              - toFQDNs: [{matchPattern: "*.example.test"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            """;
}
