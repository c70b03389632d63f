package dev.ward.deploy;

import dev.ward.keyd.k8s.WardKubernetes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Parses every YAML file under deploy/ with fabric8 and checks that the names Ward's code uses (namespace,
 * ServiceAccounts, Secret, ConfigMap, signerName) are the ones the manifests create and grant, so code and
 * manifests cannot drift apart. Generic over the files: manifests added later are parsed too.
 */
class ManifestsTest {
    private static final Path DEPLOY = Path.of(System.getProperty("user.dir"));
    private static KubernetesClient parser;
    private static List<HasMetadata> objects;

    @BeforeAll
    static void parseEverything() throws IOException {
        parser = new KubernetesClientBuilder().build(); // used only to parse; it never connects
        objects = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(DEPLOY)) {
            files = walk.filter(p -> !p.startsWith(DEPLOY.resolve("target")) && !p.startsWith(DEPLOY.resolve("src")))
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no manifests found under " + DEPLOY);
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                List<HasMetadata> items = parser.load(in).items();
                assertFalse(items.isEmpty(), f + " holds no Kubernetes object");
                for (HasMetadata o : items) {
                    assertNotNull(o.getKind(), f + ": an object without kind");
                    assertNotNull(o.getMetadata().getName(), f + ": a " + o.getKind() + " without a name");
                    objects.add(o);
                }
            } catch (RuntimeException e) {
                fail(f + " does not parse as Kubernetes objects: " + e.getMessage());
            }
        }
    }

    @AfterAll
    static void close() {
        parser.close();
    }

    @Test
    void theNamespaceAndServiceAccountsTheCodeUsesExist() {
        find(Namespace.class, WardKubernetes.NAMESPACE, null);
        find(ServiceAccount.class, WardKubernetes.KEYD_SERVICE_ACCOUNT, WardKubernetes.NAMESPACE);
        find(ServiceAccount.class, WardKubernetes.AGENT_SERVICE_ACCOUNT, WardKubernetes.NAMESPACE);
        for (HasMetadata o : objects) {
            boolean clusterScoped = o instanceof Namespace || o instanceof ClusterRole || o instanceof ClusterRoleBinding
                    || o.getKind().equals("CustomResourceDefinition");
            if (!clusterScoped) assertEquals(WardKubernetes.NAMESPACE, o.getMetadata().getNamespace(), o.getKind() + " " + o.getMetadata().getName());
        }
    }

    @Test
    void keydMaySignForWardsSignerAndNothingElse() {
        List<PolicyRule> rules = rulesBoundTo(WardKubernetes.KEYD_SERVICE_ACCOUNT);
        PolicyRule signer = rules.stream().filter(r -> r.getResources().contains("signers")).findFirst().orElseThrow();
        assertEquals(List.of(WardKubernetes.SIGNER_NAME), signer.getResourceNames());
        assertTrue(signer.getVerbs().containsAll(List.of("approve", "sign")));
        assertAllowed(rules, "certificates.k8s.io", "certificatesigningrequests", null, "get", "list", "watch");
        assertAllowed(rules, "certificates.k8s.io", "certificatesigningrequests/approval", null, "update");
        assertAllowed(rules, "certificates.k8s.io", "certificatesigningrequests/status", null, "update");
        assertAllowed(rules, "", "nodes", null, "get");
        assertAllowed(rules, "", "secrets", WardKubernetes.CA_SECRET, "get", "update");
        assertAllowed(rules, "", "configmaps", WardKubernetes.TRUST_CONFIGMAP, "get", "list", "watch", "create", "update");
        assertAllowed(rules, "", "configmaps", WardKubernetes.nodeRecordName("some-node"), "get", "list", "create", "update");
    }

    @Test
    void theAgentMayRequestSvidsAndReadTheBundleButNotTheCaKey() {
        List<PolicyRule> rules = rulesBoundTo(WardKubernetes.AGENT_SERVICE_ACCOUNT);
        assertAllowed(rules, "certificates.k8s.io", "certificatesigningrequests", null, "create", "get", "list", "watch");
        assertAllowed(rules, "", "configmaps", WardKubernetes.TRUST_CONFIGMAP, "get", "list", "watch");
        assertFalse(allows(rules, "", "secrets", WardKubernetes.CA_SECRET, "get"), "the agent must not read the CA key");
        assertFalse(allows(rules, "certificates.k8s.io", "signers", WardKubernetes.SIGNER_NAME, "approve"), "the agent must not approve");
        assertFalse(allows(rules, "", "configmaps", WardKubernetes.TRUST_CONFIGMAP, "update"), "the agent must not write the bundle");
    }

    @Test
    void keydRunsAsItsServiceAccountOnTheKubernetesStore() {
        Deployment keyd = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .filter(d -> WardKubernetes.KEYD_SERVICE_ACCOUNT.equals(d.getSpec().getTemplate().getSpec().getServiceAccountName()))
                .findFirst().orElseThrow(() -> new AssertionError("no Deployment runs as " + WardKubernetes.KEYD_SERVICE_ACCOUNT));
        assertEquals(WardKubernetes.NAMESPACE, keyd.getMetadata().getNamespace());
        List<String> args = keyd.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs();
        assertEquals("keyd", args.getFirst());
        assertEquals("k8s", args.get(args.indexOf("--store") + 1));
        assertTrue(keyd.getSpec().getReplicas() >= 2, "replicas are safe (compare-and-set) and keep signing while one is down");
    }

    private List<PolicyRule> rulesBoundTo(String serviceAccount) {
        List<PolicyRule> rules = new ArrayList<>();
        for (HasMetadata o : objects) {
            List<Subject> subjects;
            RoleRef ref;
            if (o instanceof ClusterRoleBinding b) {
                subjects = b.getSubjects();
                ref = b.getRoleRef();
            } else if (o instanceof RoleBinding b) {
                subjects = b.getSubjects();
                ref = b.getRoleRef();
            } else {
                continue;
            }
            boolean bound = subjects.stream().anyMatch(s -> "ServiceAccount".equals(s.getKind()) && serviceAccount.equals(s.getName())
                    && WardKubernetes.NAMESPACE.equals(s.getNamespace()));
            if (!bound) continue;
            if (ref.getKind().equals("ClusterRole")) rules.addAll(find(ClusterRole.class, ref.getName(), null).getRules());
            else rules.addAll(find(Role.class, ref.getName(), o.getMetadata().getNamespace()).getRules());
        }
        assertFalse(rules.isEmpty(), "nothing is bound to ServiceAccount " + serviceAccount);
        return rules;
    }

    private static void assertAllowed(List<PolicyRule> rules, String group, String resource, String name, String... verbs) {
        for (String verb : verbs) {
            assertTrue(allows(rules, group, resource, name, verb), verb + " " + resource + (name == null ? "" : "/" + name) + " is not granted");
        }
    }

    private static boolean allows(List<PolicyRule> rules, String group, String resource, String name, String verb) {
        return rules.stream().anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource)
                && (r.getVerbs().contains(verb) || r.getVerbs().contains("*"))
                && (r.getResourceNames() == null || r.getResourceNames().isEmpty() || (name != null && r.getResourceNames().contains(name))));
    }

    private <T extends HasMetadata> T find(Class<T> type, String name, String namespace) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> name.equals(o.getMetadata().getName()))
                .filter(o -> namespace == null || namespace.equals(o.getMetadata().getNamespace()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name
                        + (namespace == null ? "" : " in " + namespace) + " under deploy/; the code uses it"));
    }

}
