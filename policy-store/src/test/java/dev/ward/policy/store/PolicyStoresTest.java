package dev.ward.policy.store;

import dev.ward.policy.load.PolicyDocument;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.ServiceDefinition;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.trace.Flow;
import dev.ward.policy.trace.PolicyTracer;
import dev.ward.testbed.EtcdProcess;
import dev.ward.store.kv.EtcdKv;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Policies read back from the stores mean what they meant as files. */
class PolicyStoresTest {
    private static final String CNP = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: api-from-web, namespace: prod}
            spec:
              endpointSelector: {matchLabels: {app: api}}
              ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: '8080', protocol: TCP}]}]}]
            """;
    private static final String KNP = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: db, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: db}}
              ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]
            """;

    private record Loaded(List<Policy> policies, List<ServiceDefinition> services, List<String> errors) {}

    private static Loaded parse(List<PolicyDocument> docs) {
        List<Policy> ps = new ArrayList<>();
        List<ServiceDefinition> ss = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (PolicyDocument d : docs) {
            for (ParsedDocument pd : new PolicyParser().parse(d.text(), d.origin())) {
                if (pd.policy() != null) ps.add(pd.policy());
                if (pd.service() != null) ss.add(pd.service());
                pd.errors().forEach(e -> errors.add(d.origin() + ": " + e));
            }
        }
        return new Loaded(ps, ss, errors);
    }

    private static boolean allowed(Loaded l, String src, String dst, String port) {
        return new PolicyTracer(l.policies(), l.services(), "default", Map.of())
                .trace(Flow.of(src, dst, Flow.protocol(port), Flow.port(port), null)).allowed();
    }

    @Test
    void etcdKeepsThePolicyTextAndItParsesTheSame() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); EtcdKv kv = new EtcdKv(etcd.endpoint())) {
            KvPolicyStore store = new KvPolicyStore(kv, KvPolicyStore.DEFAULT_PREFIX);
            store.put("CiliumNetworkPolicy", "prod", "api-from-web", CNP);
            store.put("NetworkPolicy", "prod", "db", KNP);
            Loaded l = parse(store.list());
            assertEquals(List.of(), l.errors());
            assertEquals(2, l.policies().size());
            String web = "io.kubernetes.pod.namespace=prod,app=web";
            String api = "io.kubernetes.pod.namespace=prod,app=api";
            assertTrue(allowed(l, web, api, "8080/TCP"));
            assertTrue(!allowed(l, web, api, "9090/TCP"));
            store.delete("CiliumNetworkPolicy", "prod", "api-from-web");
            assertEquals(1, parse(store.list()).policies().size());
        }
    }

    @Test
    void kubernetesObjectsAreReadRawAndParseTheSame() {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            for (String yaml : List.of(CNP, KNP, """
                    apiVersion: cilium.io/v2
                    kind: CiliumClusterwideNetworkPolicy
                    metadata: {name: world-lockdown}
                    spec:
                      endpointSelector: {}
                      ingressDeny: [{fromEntities: [world]}]
                    """, """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: api, namespace: prod, labels: {tier: backend}}
                    spec: {selector: {app: api}, ports: [{port: 80}]}
                    """)) {
                GenericKubernetesResource r = client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
                var ctx = switch (r.getKind()) {
                    case "CiliumNetworkPolicy" -> KubernetesPolicyStore.CNP;
                    case "CiliumClusterwideNetworkPolicy" -> KubernetesPolicyStore.CCNP;
                    case "NetworkPolicy" -> KubernetesPolicyStore.KNP;
                    default -> KubernetesPolicyStore.SERVICE;
                };
                if (ctx.isNamespaceScoped()) client.genericKubernetesResources(ctx).inNamespace(r.getMetadata().getNamespace()).resource(r).create();
                else client.genericKubernetesResources(ctx).resource(r).create();
            }
            Loaded l = parse(new KubernetesPolicyStore(client).list());
            assertEquals(List.of(), l.errors());
            assertEquals(3, l.policies().size());
            assertEquals(1, l.services().size());
            String web = "io.kubernetes.pod.namespace=prod,app=web";
            String api = "io.kubernetes.pod.namespace=prod,app=api";
            String db = "io.kubernetes.pod.namespace=prod,app=db";
            assertTrue(allowed(l, web, api, "8080/TCP"));
            assertTrue(allowed(l, api, db, "5432/TCP"));
            assertTrue(!allowed(l, web, db, "5432/TCP"));
            assertTrue(!allowed(l, "203.0.113.1", api, "8080/TCP"));
        } finally {
            server.destroy();
        }
    }
}
