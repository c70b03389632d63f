package dev.ward.deploy;

import dev.ward.agent.encryption.store.k8s.EncryptionResources;
import dev.ward.trust.k8s.WardKubernetes;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
                    || o instanceof CustomResourceDefinition || o instanceof ValidatingAdmissionPolicy
                    || o instanceof ValidatingAdmissionPolicyBinding;
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

    @Test
    void theEncryptionCrdsDeclareTheResourcesTheStoreUses() {
        for (ResourceDefinitionContext kind : List.of(EncryptionResources.ANNOUNCEMENT, EncryptionResources.ROTATION, EncryptionResources.STATUS)) {
            CustomResourceDefinition crd = find(CustomResourceDefinition.class, kind.getPlural() + "." + kind.getGroup(), null);
            assertEquals(kind.getGroup(), crd.getSpec().getGroup());
            assertEquals(kind.getKind(), crd.getSpec().getNames().getKind());
            assertEquals(kind.getPlural(), crd.getSpec().getNames().getPlural());
            assertEquals(kind.isNamespaceScoped() ? "Namespaced" : "Cluster", crd.getSpec().getScope());
            assertTrue(crd.getSpec().getVersions().stream().anyMatch(v -> v.getName().equals(kind.getVersion()) && v.getServed() && v.getStorage()),
                    crd.getMetadata().getName() + " does not serve and store " + kind.getVersion());
        }
    }

    @Test
    void theAgentReadsEveryEncryptionRecordButCannotWithdrawNodesOrRequestRotations() {
        List<PolicyRule> rules = rulesBoundTo(WardKubernetes.AGENT_SERVICE_ACCOUNT);
        String group = EncryptionResources.GROUP;
        assertAllowed(rules, group, EncryptionResources.ANNOUNCEMENT.getPlural(), null, "get", "list", "watch", "create", "update");
        assertAllowed(rules, group, EncryptionResources.STATUS.getPlural(), null, "get", "list", "watch", "create", "update");
        assertAllowed(rules, group, EncryptionResources.ROTATION.getPlural(), null, "get", "list", "watch");
        assertFalse(allows(rules, group, EncryptionResources.ANNOUNCEMENT.getPlural(), "some-node", "delete"), "withdrawing a node is an operator's act");
        assertFalse(allows(rules, group, EncryptionResources.ROTATION.getPlural(), EncryptionResources.ROTATE_ALL, "create"), "rotation is an operator's request");
        assertFalse(allows(rules, group, EncryptionResources.ROTATION.getPlural(), EncryptionResources.ROTATE_ALL, "update"), "rotation is an operator's request");
    }

    @Test
    void anAgentMayWriteOnlyTheEncryptionObjectsOfItsOwnNode() {
        ValidatingAdmissionPolicy policy = objects.stream().filter(ValidatingAdmissionPolicy.class::isInstance)
                .map(ValidatingAdmissionPolicy.class::cast).findFirst().orElseThrow(() -> new AssertionError("no ValidatingAdmissionPolicy"));
        var rule = policy.getSpec().getMatchConstraints().getResourceRules().getFirst();
        assertEquals(List.of(EncryptionResources.GROUP), rule.getApiGroups());
        assertEquals(Set.of(EncryptionResources.ANNOUNCEMENT.getPlural(), EncryptionResources.STATUS.getPlural()), Set.copyOf(rule.getResources()));
        assertTrue(rule.getOperations().containsAll(List.of("CREATE", "UPDATE", "DELETE")));
        assertTrue(policy.getSpec().getMatchConditions().getFirst().getExpression().contains("'" + WardKubernetes.agentUsername(WardKubernetes.NAMESPACE) + "'"),
                "the policy must apply to the agent's ServiceAccount");
        assertTrue(policy.getSpec().getValidations().getFirst().getExpression().contains("'" + WardKubernetes.NODE_NAME_EXTRA + "'"),
                "the policy must compare the object with the token's node");
        assertEquals("Fail", policy.getSpec().getFailurePolicy());
        ValidatingAdmissionPolicyBinding binding = find(ValidatingAdmissionPolicyBinding.class, policy.getMetadata().getName(), null);
        assertEquals(policy.getMetadata().getName(), binding.getSpec().getPolicyName());
        assertEquals(List.of("Deny"), binding.getSpec().getValidationActions());
    }

    @Test
    void theAgentDaemonSetRunsOnEveryNodeWithFlagsTheCliAccepts() throws IOException {
        DaemonSet agent = objects.stream().filter(DaemonSet.class::isInstance).map(DaemonSet.class::cast)
                .filter(d -> WardKubernetes.AGENT_SERVICE_ACCOUNT.equals(d.getSpec().getTemplate().getSpec().getServiceAccountName()))
                .findFirst().orElseThrow(() -> new AssertionError("no DaemonSet runs as " + WardKubernetes.AGENT_SERVICE_ACCOUNT));
        PodSpec pod = agent.getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostNetwork(), "xfrm is programmed in the host's network namespace");
        assertEquals("Exists", pod.getTolerations().getFirst().getOperator());
        Container container = pod.getContainers().getFirst();
        assertTrue(container.getSecurityContext().getCapabilities().getAdd().contains("NET_ADMIN"));
        assertFalse(Boolean.TRUE.equals(container.getSecurityContext().getPrivileged()));

        List<String> args = container.getArgs();
        assertEquals("agent", args.getFirst());
        assertEquals("k8s", args.get(args.indexOf("--store") + 1));
        assertEquals("$(NODE_NAME)", args.get(args.indexOf("--node") + 1));
        assertEquals("$(HOST_IP)", args.get(args.indexOf("--underlay-ip") + 1));
        Set<String> accepted = agentOptions();
        for (String arg : args) {
            if (arg.startsWith("-")) assertTrue(accepted.contains(arg), "ward agent has no option " + arg + " (it has " + accepted + ")");
            for (Matcher m = Pattern.compile("\\$\\((\\w+)\\)").matcher(arg); m.find(); ) {
                String variable = m.group(1);
                assertTrue(container.getEnv().stream().map(EnvVar::getName).anyMatch(variable::equals), arg + " refers to an undefined variable");
            }
        }
        // The pod CIDR differs per node and the downward API cannot give it: it comes from the node's argument file.
        String argFile = args.stream().filter(a -> a.startsWith("@")).findFirst().map(a -> a.substring(1))
                .orElseThrow(() -> new AssertionError("no --pod-cidr and no @-file to give it per node"));
        assertTrue(container.getVolumeMounts().stream().anyMatch(m -> argFile.startsWith(m.getMountPath() + "/") && Boolean.TRUE.equals(m.getReadOnly())),
                "the argument file " + argFile + " must come read-only from the node");
        assertEquals("spec.nodeName", env(container, "NODE_NAME").getValueFrom().getFieldRef().getFieldPath());
        assertEquals("status.hostIP", env(container, "HOST_IP").getValueFrom().getFieldRef().getFieldPath());

        // The SVID key and the epoch keys stay on the node: the state directory is a hostPath.
        String stateDir = args.get(args.indexOf("--state-dir") + 1);
        var mount = container.getVolumeMounts().stream().filter(m -> stateDir.startsWith(m.getMountPath())).findFirst()
                .orElseThrow(() -> new AssertionError("--state-dir " + stateDir + " is on no volume"));
        var volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertNotNull(volume.getHostPath(), "the state directory must be on the node, not in a Secret or an emptyDir");
        assertNull(volume.getSecret());
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    /**
     * The option names of {@code ward agent}, read from the CLI's sources: the command class and the mixins it
     * (transitively) declares. Reading sources keeps this module from depending on the CLI and all beneath it.
     */
    private static Set<String> agentOptions() throws IOException {
        Path sources = DEPLOY.getParent().resolve("cli/src/main/java");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        Path command = null;
        for (Path f : files) {
            if (Files.readString(f).contains("@Command(name = \"agent\"")) command = f;
        }
        assertNotNull(command, "no @Command(name = \"agent\") under " + sources);
        Set<String> options = new HashSet<>();
        List<Path> pending = new ArrayList<>(List.of(command));
        Set<Path> read = new HashSet<>();
        Pattern mixin = Pattern.compile("@Mixin\\s+(\\w+)");
        Pattern names = Pattern.compile("@Option\\(\\s*names\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")");
        while (!pending.isEmpty()) {
            Path file = pending.removeLast();
            if (!read.add(file)) continue;
            String text = Files.readString(file);
            for (Matcher m = names.matcher(text); m.find(); ) {
                for (Matcher name = Pattern.compile("\"([^\"]+)\"").matcher(m.group(1)); name.find(); ) options.add(name.group(1));
            }
            for (Matcher m = mixin.matcher(text); m.find(); ) {
                String type = m.group(1);
                pending.add(files.stream().filter(f -> f.getFileName().toString().equals(type + ".java")).findFirst()
                        .orElseThrow(() -> new AssertionError("mixin " + type + " not found under " + sources)));
            }
        }
        assertTrue(options.contains("--node"), "found no options of ward agent in " + command);
        return options;
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
