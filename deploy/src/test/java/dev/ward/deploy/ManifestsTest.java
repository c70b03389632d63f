package dev.ward.deploy;

import dev.ward.agent.datapath.status.KubernetesDatapathReports;
import dev.ward.agent.dns.DnsProxySubsystem;
import dev.ward.agent.encryption.store.k8s.EncryptionResources;
import dev.ward.agent.ipcache.KubernetesEndpointRecords;
import dev.ward.policy.store.KubernetesIdentityBackend;
import dev.ward.policy.store.KubernetesPolicyStore;
import dev.ward.trust.k8s.WardKubernetes;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checks the names Ward's code uses (namespace, ServiceAccounts, Secret, ConfigMap, signerName, flags) against what
 * each way of installing Ward creates and grants, so code and manifests cannot drift apart: the YAML files under
 * deploy/ as {@code kubectl apply} takes them, and the Helm chart as real {@code helm template} renders it, with its
 * default values and with every agent value set. Generic over the files: manifests added later are checked too.
 */
class ManifestsTest {
    static final Path DEPLOY = Path.of(System.getProperty("user.dir"));
    private static List<Installation> installations;

    /** One way of installing Ward: the objects it creates; {@code namespaceGiven} when the installer creates the namespace. */
    record Installation(String name, List<HasMetadata> objects, boolean namespaceGiven) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void parseEverything() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(DEPLOY)) {
            files = walk.filter(p -> !p.startsWith(DEPLOY.resolve("target")) && !p.startsWith(DEPLOY.resolve("src")) && !p.startsWith(Helm.CHART))
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no manifests found under " + DEPLOY);
        List<HasMetadata> manifests = new ArrayList<>();
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                manifests.addAll(KubernetesObjects.parse(f.toString(), in));
            }
        }
        String everyValue = Path.of(System.getProperty("user.dir"), "src/test/resources/every-agent-value.yaml").toString();
        installations = List.of(
                new Installation("kubectl apply -f deploy/crds -f deploy/kubernetes", manifests, false),
                new Installation("helm template (default values)", KubernetesObjects.parse("helm template", Helm.template(Helm.NAMESPACE)), true),
                new Installation("helm template --values every-agent-value.yaml",
                        KubernetesObjects.parse("helm template", Helm.template(Helm.NAMESPACE, "--values", everyValue)), true));
    }

    static List<Installation> installations() {
        return installations;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theNamespaceAndServiceAccountsTheCodeUsesExist(Installation install) {
        List<HasMetadata> objects = install.objects();
        if (!install.namespaceGiven()) find(objects, Namespace.class, WardKubernetes.NAMESPACE, null);
        find(objects, ServiceAccount.class, WardKubernetes.KEYD_SERVICE_ACCOUNT, WardKubernetes.NAMESPACE);
        find(objects, ServiceAccount.class, WardKubernetes.AGENT_SERVICE_ACCOUNT, WardKubernetes.NAMESPACE);
        for (HasMetadata o : objects) {
            boolean clusterScoped = o instanceof Namespace || o instanceof ClusterRole || o instanceof ClusterRoleBinding
                    || o instanceof CustomResourceDefinition || o instanceof ValidatingAdmissionPolicy
                    || o instanceof ValidatingAdmissionPolicyBinding;
            if (!clusterScoped) assertEquals(WardKubernetes.NAMESPACE, o.getMetadata().getNamespace(), o.getKind() + " " + o.getMetadata().getName());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void keydMaySignForWardsSignerAndNothingElse(Installation install) {
        List<PolicyRule> rules = rulesBoundTo(install.objects(), WardKubernetes.KEYD_SERVICE_ACCOUNT);
        PolicyRule signer = rules.stream().filter(r -> r.getResources().contains("signers")).findFirst().orElseThrow();
        assertEquals(List.of(WardKubernetes.SIGNER_NAME), signer.getResourceNames());
        assertTrue(signer.getVerbs().containsAll(List.of("approve", "sign")));
        assertAllowed(rules, "certificates.k8s.io", "certificatesigningrequests", null, "get", "list", "watch");
        assertAllowed(rules, "certificates.k8s.io", "certificatesigningrequests/approval", null, "update");
        assertAllowed(rules, "certificates.k8s.io", "certificatesigningrequests/status", null, "update");
        // The departed-node collector: it follows Nodes and removes a deleted node's encryption and endpoint records.
        assertAllowed(rules, "", "nodes", null, "get", "list", "watch");
        for (String kind : List.of("wardnodeannouncements", "wardencryptionstatuses", "wardkeyrotations", "wardnodeendpoints",
                KubernetesDatapathReports.STATUS.getPlural())) {
            assertAllowed(rules, "ward.dev", kind, "some-node", "get", "list", "delete");
        }
        assertAllowed(rules, "", "secrets", WardKubernetes.CA_SECRET, "get", "update");
        assertAllowed(rules, "", "configmaps", WardKubernetes.TRUST_CONFIGMAP, "get", "list", "watch", "create", "update");
        assertAllowed(rules, "", "configmaps", WardKubernetes.nodeRecordName("some-node"), "get", "list", "create", "update");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theAgentMayRequestSvidsAndReadTheBundleButNotTheCaKey(Installation install) {
        List<PolicyRule> rules = rulesBoundTo(install.objects(), WardKubernetes.AGENT_SERVICE_ACCOUNT);
        assertAllowed(rules, "certificates.k8s.io", "certificatesigningrequests", null, "create", "get", "list", "watch");
        assertAllowed(rules, "", "configmaps", WardKubernetes.TRUST_CONFIGMAP, "get", "list", "watch");
        assertFalse(allows(rules, "", "secrets", WardKubernetes.CA_SECRET, "get"), "the agent must not read the CA key");
        assertFalse(allows(rules, "certificates.k8s.io", "signers", WardKubernetes.SIGNER_NAME, "approve"), "the agent must not approve");
        assertFalse(allows(rules, "", "configmaps", WardKubernetes.TRUST_CONFIGMAP, "update"), "the agent must not write the bundle");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void keydRunsAsItsServiceAccountOnTheKubernetesStore(Installation install) {
        Deployment keyd = install.objects().stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .filter(d -> WardKubernetes.KEYD_SERVICE_ACCOUNT.equals(d.getSpec().getTemplate().getSpec().getServiceAccountName()))
                .findFirst().orElseThrow(() -> new AssertionError("no Deployment runs as " + WardKubernetes.KEYD_SERVICE_ACCOUNT));
        assertEquals(WardKubernetes.NAMESPACE, keyd.getMetadata().getNamespace());
        List<String> args = keyd.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs();
        assertEquals("keyd", args.getFirst());
        assertEquals("k8s", args.get(args.indexOf("--store") + 1));
        assertTrue(keyd.getSpec().getReplicas() >= 2, "replicas are safe (compare-and-set) and keep signing while one is down");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theEncryptionCrdsDeclareTheResourcesTheStoreUses(Installation install) {
        for (ResourceDefinitionContext kind : List.of(EncryptionResources.ANNOUNCEMENT, EncryptionResources.ROTATION, EncryptionResources.STATUS)) {
            CustomResourceDefinition crd = find(install.objects(), CustomResourceDefinition.class, kind.getPlural() + "." + kind.getGroup(), null);
            assertEquals(kind.getGroup(), crd.getSpec().getGroup());
            assertEquals(kind.getKind(), crd.getSpec().getNames().getKind());
            assertEquals(kind.getPlural(), crd.getSpec().getNames().getPlural());
            assertEquals(kind.isNamespaceScoped() ? "Namespaced" : "Cluster", crd.getSpec().getScope());
            assertTrue(crd.getSpec().getVersions().stream().anyMatch(v -> v.getName().equals(kind.getVersion()) && v.getServed() && v.getStorage()),
                    crd.getMetadata().getName() + " does not serve and store " + kind.getVersion());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theAgentReadsEveryEncryptionRecordButCannotWithdrawNodesOrRequestRotations(Installation install) {
        List<PolicyRule> rules = rulesBoundTo(install.objects(), WardKubernetes.AGENT_SERVICE_ACCOUNT);
        String group = EncryptionResources.GROUP;
        assertAllowed(rules, group, EncryptionResources.ANNOUNCEMENT.getPlural(), null, "get", "list", "watch", "create", "update");
        assertAllowed(rules, group, EncryptionResources.STATUS.getPlural(), null, "get", "list", "watch", "create", "update");
        assertAllowed(rules, group, EncryptionResources.ROTATION.getPlural(), null, "get", "list", "watch");
        assertFalse(allows(rules, group, EncryptionResources.ANNOUNCEMENT.getPlural(), "some-node", "delete"), "withdrawing a node is an operator's act");
        assertFalse(allows(rules, group, EncryptionResources.ROTATION.getPlural(), EncryptionResources.ROTATE_ALL, "create"), "rotation is an operator's request");
        assertFalse(allows(rules, group, EncryptionResources.ROTATION.getPlural(), EncryptionResources.ROTATE_ALL, "update"), "rotation is an operator's request");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void anAgentMayWriteOnlyTheEncryptionObjectsOfItsOwnNode(Installation install) {
        ValidatingAdmissionPolicy policy = install.objects().stream().filter(ValidatingAdmissionPolicy.class::isInstance)
                .map(ValidatingAdmissionPolicy.class::cast).findFirst().orElseThrow(() -> new AssertionError("no ValidatingAdmissionPolicy"));
        var rule = policy.getSpec().getMatchConstraints().getResourceRules().getFirst();
        assertEquals(List.of(EncryptionResources.GROUP), rule.getApiGroups());
        assertEquals(Set.of(EncryptionResources.ANNOUNCEMENT.getPlural(), EncryptionResources.STATUS.getPlural(),
                KubernetesEndpointRecords.NODE_ENDPOINTS.getPlural(), KubernetesDatapathReports.STATUS.getPlural()), Set.copyOf(rule.getResources()));
        assertTrue(rule.getOperations().containsAll(List.of("CREATE", "UPDATE", "DELETE")));
        assertTrue(policy.getSpec().getMatchConditions().getFirst().getExpression().contains("'" + WardKubernetes.agentUsername(WardKubernetes.NAMESPACE) + "'"),
                "the policy must apply to the agent's ServiceAccount");
        assertTrue(policy.getSpec().getValidations().getFirst().getExpression().contains("'" + WardKubernetes.NODE_NAME_EXTRA + "'"),
                "the policy must compare the object with the token's node");
        assertEquals("Fail", policy.getSpec().getFailurePolicy());
        ValidatingAdmissionPolicyBinding binding = find(install.objects(), ValidatingAdmissionPolicyBinding.class, policy.getMetadata().getName(), null);
        assertEquals(policy.getMetadata().getName(), binding.getSpec().getPolicyName());
        assertEquals(List.of("Deny"), binding.getSpec().getValidationActions());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theCrdsDeclareTheEndpointRecordsAndThePolicyKindsTheAgentFollows(Installation install) {
        for (ResourceDefinitionContext kind : List.of(KubernetesEndpointRecords.NODE_ENDPOINTS, KubernetesPolicyStore.CNP, KubernetesPolicyStore.CCNP,
                KubernetesIdentityBackend.IDENTITY, KubernetesIdentityBackend.KEY, KubernetesDatapathReports.STATUS)) {
            CustomResourceDefinition crd = find(install.objects(), CustomResourceDefinition.class, kind.getPlural() + "." + kind.getGroup(), null);
            assertEquals(kind.getKind(), crd.getSpec().getNames().getKind());
            assertEquals(kind.isNamespaceScoped() ? "Namespaced" : "Cluster", crd.getSpec().getScope());
            assertTrue(crd.getSpec().getVersions().stream().anyMatch(v -> v.getName().equals(kind.getVersion()) && v.getServed() && v.getStorage()),
                    crd.getMetadata().getName() + " does not serve and store " + kind.getVersion());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theAgentFollowsPodsAndPoliciesAllocatesIdentitiesAndPublishesItsEndpoints(Installation install) {
        List<PolicyRule> rules = rulesBoundTo(install.objects(), WardKubernetes.AGENT_SERVICE_ACCOUNT);
        for (String r : List.of("pods", "namespaces", "services")) assertAllowed(rules, "", r, null, "get", "list", "watch");
        assertAllowed(rules, "networking.k8s.io", "networkpolicies", null, "get", "list", "watch");
        assertAllowed(rules, "cilium.io", KubernetesPolicyStore.CNP.getPlural(), null, "get", "list", "watch");
        assertAllowed(rules, "cilium.io", KubernetesPolicyStore.CCNP.getPlural(), null, "get", "list", "watch");
        assertAllowed(rules, "ward.dev", KubernetesIdentityBackend.IDENTITY.getPlural(), null, "get", "list", "watch", "create", "update", "delete");
        assertAllowed(rules, "ward.dev", KubernetesIdentityBackend.KEY.getPlural(), null, "get", "list", "watch", "create", "update", "delete");
        assertAllowed(rules, "ward.dev", KubernetesEndpointRecords.NODE_ENDPOINTS.getPlural(), null, "get", "list", "watch", "create", "update", "delete");
        assertFalse(allows(rules, "", "pods", null, "update"), "the agent reads pods, never writes them");
        assertFalse(allows(rules, "cilium.io", KubernetesPolicyStore.CNP.getPlural(), null, "create"), "the agent reads policies, never writes them");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theAgentWritesItsDatapathReportButCannotDeleteOne(Installation install) {
        List<PolicyRule> rules = rulesBoundTo(install.objects(), WardKubernetes.AGENT_SERVICE_ACCOUNT);
        String reports = KubernetesDatapathReports.STATUS.getPlural();
        assertAllowed(rules, KubernetesDatapathReports.STATUS.getGroup(), reports, null, "get", "list", "create", "update");
        assertFalse(allows(rules, KubernetesDatapathReports.STATUS.getGroup(), reports, "some-node", "delete"), "a departed node's report is keyd's to remove");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theAgentsApiSocketIsInTheNodesRunWard(Installation install) {
        PodSpec pod = agentDaemonSet(install).getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().getFirst();
        List<String> args = c.getArgs();
        String socket = args.get(args.indexOf("--api-socket") + 1);
        VolumeMount mount = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/run/ward")).findFirst()
                .orElseThrow(() -> new AssertionError("the agent does not mount /run/ward"));
        assertTrue(socket.startsWith("/run/ward/"), socket);
        Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertEquals("/run/ward", v.getHostPath().getPath(), "the CNI plugin on the node reaches the socket in the node's /run/ward");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theAgentDaemonSetRunsOnEveryNodeWithFlagsTheCliAccepts(Installation install) throws IOException {
        DaemonSet agent = agentDaemonSet(install);
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
        Set<String> accepted = CommandOptions.of("agent");
        for (String arg : args) {
            if (arg.startsWith("-")) assertTrue(accepted.contains(arg), "ward agent has no option " + arg + " (it has " + accepted + ")");
            for (Matcher m = Pattern.compile("\\$\\((\\w+)\\)").matcher(arg); m.find(); ) {
                String variable = m.group(1);
                assertTrue(container.getEnv().stream().map(EnvVar::getName).anyMatch(variable::equals), arg + " refers to an undefined variable");
            }
        }
        // The pod CIDR differs per node: the agent reads it from its Node object, or (where the cluster allocates
        // none) from the node's argument file, which must then come read-only from the node.
        assertAllowed(rulesBoundTo(install.objects(), WardKubernetes.AGENT_SERVICE_ACCOUNT), "", "nodes", "any-node", "get", "list", "watch");
        args.stream().filter(a -> a.startsWith("@")).findFirst().map(a -> a.substring(1)).ifPresent(argFile ->
                assertTrue(container.getVolumeMounts().stream().anyMatch(m -> argFile.startsWith(m.getMountPath() + "/") && Boolean.TRUE.equals(m.getReadOnly())),
                        "the argument file " + argFile + " must come read-only from the node"));
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theAgentMountsWhatItsDatapathNeedsFromTheNode(Installation install) {
        DaemonSet agent = agentDaemonSet(install);
        PodSpec pod = agent.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().getFirst();
        // bpffs (pinned maps and programs outlive an agent), the kubelet's CNI directories, Ward's own state
        for (String path : List.of("/sys/fs/bpf", "/etc/cni/net.d", "/opt/cni/bin", "/var/lib/ward")) {
            VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                    .orElseThrow(() -> new AssertionError("the agent does not mount " + path));
            Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + mount.getName()));
            assertNotNull(volume.getHostPath(), path + " must be the node's own directory");
            assertEquals(path, volume.getHostPath().getPath(), "the agent's " + path + " is the node's");
            assertNotEquals(Boolean.TRUE, mount.getReadOnly(), path + " is written by the agent");
        }
        VolumeMount bpffs = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/sys/fs/bpf")).findFirst().orElseThrow();
        assertEquals("HostToContainer", bpffs.getMountPropagation(), "the host's bpffs mount must reach the container");
        List<String> args = container.getArgs();
        assertTrue(args.get(args.indexOf("--bpf-pin-root") + 1).startsWith("/sys/fs/bpf/"), "the datapath pins on the node's bpffs: " + args);
        if (args.get(args.indexOf("--datapath") + 1).equals("bpf")) {
            assertTrue(container.getSecurityContext().getCapabilities().getAdd().containsAll(List.of("NET_ADMIN", "BPF", "PERFMON")),
                    "the BPF datapath loads programs and maps (BPF, PERFMON) and attaches tc filters (NET_ADMIN)");
        }
        assertEquals(0L, container.getSecurityContext().getRunAsUser(), "the node's directories are root's");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void theStandaloneDnsProxyRunsExactlyWhereTheAgentsDnsProxyHasAStandby(Installation install) throws IOException {
        DaemonSet agent = agentDaemonSet(install);
        List<String> agentArgs = agent.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs();
        // None of these installations sets dnsProxy.enabled false (HelmChartTest renders that), so the agent's
        // flags alone say whether the standby must be there.
        boolean standbyWanted = flag(agentArgs, "--datapath").equals("bpf") && flag(agentArgs, "--dns-proxy").equals("true")
                && !flag(agentArgs, "--dns-proxy-standby-port").equals("0");
        Optional<DaemonSet> standby = dnsProxyDaemonSet(install);
        assertEquals(standbyWanted, standby.isPresent(), install + ": agent " + agentArgs);
        if (standby.isEmpty()) return;
        assertTheStandbyFitsTheAgent(agent, standby.get());
        PodSpec pod = standby.get().getSpec().getTemplate().getSpec();
        assertEquals("Exists", pod.getTolerations().getFirst().getOperator(), "on every node the agent runs on, tainted or not");
        assertEquals(Set.of("NET_ADMIN", "BPF"), Set.copyOf(pod.getContainers().getFirst().getSecurityContext().getCapabilities().getAdd()),
                "no more than its transparent sockets (NET_ADMIN) and the pinned maps (BPF) need");
    }

    /**
     * What makes {@code standby} the agent's standby DNS proxy on the same node: its own DaemonSet, the agent's DNS
     * proxy's port and settings, the agent's files and pinned maps from the node, and the CLI's flags.
     */
    static void assertTheStandbyFitsTheAgent(DaemonSet agent, DaemonSet standby) throws IOException {
        PodSpec agentPod = agent.getSpec().getTemplate().getSpec(), pod = standby.getSpec().getTemplate().getSpec();
        Container agentContainer = agentPod.getContainers().getFirst(), container = pod.getContainers().getFirst();
        List<String> agentArgs = agentContainer.getArgs(), args = container.getArgs();

        // An agent rollout replaces the agent's pods only: neither DaemonSet selects the other's pods.
        assertNotEquals(agent.getMetadata().getName(), standby.getMetadata().getName());
        Map<String, String> agentLabels = agent.getSpec().getTemplate().getMetadata().getLabels(),
                standbyLabels = standby.getSpec().getTemplate().getMetadata().getLabels();
        assertFalse(standbyLabels.entrySet().containsAll(agent.getSpec().getSelector().getMatchLabels().entrySet()),
                "the agent's DaemonSet selects the standby's pods: " + standbyLabels);
        assertFalse(agentLabels.entrySet().containsAll(standby.getSpec().getSelector().getMatchLabels().entrySet()),
                "the standby's DaemonSet selects the agent's pods: " + agentLabels);
        assertEquals(agentPod.getNodeSelector(), pod.getNodeSelector(), "it stands by where the agent runs");

        assertEquals("dnsproxy", args.getFirst());
        Set<String> accepted = CommandOptions.of("dnsproxy");
        for (String arg : args) {
            if (arg.startsWith("-")) assertTrue(accepted.contains(arg), "ward dnsproxy has no option " + arg + " (it has " + accepted + ")");
            assertFalse(arg.contains("$("), arg + ": the standby defines no variables");
        }
        assertEquals("bpf", flag(args, "--datapath"), "it writes into the agent's BPF datapath");
        assertEquals(flag(agentArgs, "--dns-proxy-standby-port"), flag(args, "--port"), "it listens where the agent's datapath hands DNS");
        assertEquals(flag(agentArgs, "--bpf-pin-root"), flag(args, "--bpf-pin-root"), "the agent's pinned maps");
        Path agentState = Path.of(flag(agentArgs, "--state-dir"));
        assertEquals(agentState.resolve(DnsProxySubsystem.SNAPSHOT_FILE).toString(), flag(args, "--snapshot"), "the snapshot the agent writes");
        assertEquals(agentState.resolve(DnsProxySubsystem.JOURNAL_FILE).toString(), flag(args, "--agent-journal"), "the journal the agent writes");
        assertEquals(flag(agentArgs, "--dns-proxy-standby-state-dir"), flag(args, "--state-dir"), "the agent restores names from the standby's state");
        Map<String, String> sameAsTheAgents = Map.of("--threads", "--dns-proxy-threads", "--refuse-with", "--dns-refuse-with",
                "--min-ttl", "--dns-min-ttl", "--upstream-timeout", "--dns-upstream-timeout", "--datapath-timeout", "--dns-datapath-timeout",
                "--rate-limit", "--dns-rate-limit", "--rate-burst", "--dns-rate-burst");
        sameAsTheAgents.forEach((own, agents) -> assertEquals(flag(agentArgs, agents), flag(args, own), own + " answers as the agent's " + agents));

        // The node's directories: the agent's files read-only, its own state written, and read by the agent too.
        for (String file : List.of(flag(args, "--snapshot"), flag(args, "--agent-journal"))) {
            VolumeMount mount = nodeDirectory(pod, container, file);
            assertEquals(Boolean.TRUE, mount.getReadOnly(), file + " is the agent's: read-only here");
        }
        String ownState = flag(args, "--state-dir");
        assertNotEquals(Boolean.TRUE, nodeDirectory(pod, container, ownState + "/").getReadOnly(), ownState + " is written by the standby");
        nodeDirectory(agentPod, agentContainer, ownState + "/");
        VolumeMount bpffs = nodeDirectory(pod, container, flag(args, "--bpf-pin-root"));
        assertEquals("/sys/fs/bpf", bpffs.getMountPath(), "the node's bpffs, where the agent pins");
        assertEquals("HostToContainer", bpffs.getMountPropagation(), "the host's bpffs mount must reach the container");
        assertEquals(Boolean.TRUE, bpffs.getReadOnly(), "it only opens the agent's pins, never unpins or replaces them");

        assertTrue(pod.getHostNetwork(), "the datapath hands it DNS on the node's network");
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "it talks to no API server");
        assertNotEquals(WardKubernetes.AGENT_SERVICE_ACCOUNT, pod.getServiceAccountName(), "keyd signs SVIDs for the agent's ServiceAccount only");
        var security = container.getSecurityContext();
        assertEquals(0L, security.getRunAsUser(), "the agent's files and pinned maps are root's");
        assertNotEquals(Boolean.TRUE, security.getPrivileged());
        assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation());
        assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem());
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
        assertTrue(security.getCapabilities().getAdd().containsAll(List.of("NET_ADMIN", "BPF")), "IP_TRANSPARENT and bpf(2) on the pinned maps");
        assertEquals(agentContainer.getSecurityContext().getSeccompProfile(), security.getSeccompProfile());
        assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")), "the JVM needs a writable /tmp");
        assertEquals(agentContainer.getImage(), container.getImage(), "the agent's image");
        assertEquals(agentContainer.getImagePullPolicy(), container.getImagePullPolicy());
    }

    /** The standalone {@code ward dnsproxy} DaemonSet, if the installation has one. */
    static Optional<DaemonSet> dnsProxyDaemonSet(Installation install) {
        List<DaemonSet> found = install.objects().stream().filter(DaemonSet.class::isInstance).map(DaemonSet.class::cast)
                .filter(d -> d.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs().getFirst().equals("dnsproxy")).toList();
        assertTrue(found.size() <= 1, install + ": " + found.size() + " DaemonSets run ward dnsproxy");
        return found.stream().findFirst();
    }

    /** The value after {@code flag} in {@code args}. */
    static String flag(List<String> args, String flag) {
        int at = args.indexOf(flag);
        assertTrue(at >= 0 && at + 1 < args.size(), flag + " is not among " + args);
        return args.get(at + 1);
    }

    /** The container's mount {@code path} is on: the node's own directory, mounted where it is on the node. */
    private static VolumeMount nodeDirectory(PodSpec pod, Container container, String path) {
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> path.startsWith(m.getMountPath() + "/"))
                .max(Comparator.comparingInt(m -> m.getMountPath().length()))
                .orElseThrow(() -> new AssertionError(path + " is on no volume of " + container.getName()));
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + mount.getName()));
        assertNotNull(volume.getHostPath(), path + " must be on the node, not in " + volume);
        assertEquals(mount.getMountPath(), volume.getHostPath().getPath(), path + " must be where it is on the node");
        return mount;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installations")
    void keydRunsAsNonRootWithNoCapability(Installation install) {
        Deployment keyd = find(install.objects(), Deployment.class, "ward-keyd", WardKubernetes.NAMESPACE);
        PodSpec pod = keyd.getSpec().getTemplate().getSpec();
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertNotEquals(0L, pod.getSecurityContext().getRunAsUser());
        Container c = pod.getContainers().getFirst();
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertTrue(c.getSecurityContext().getCapabilities().getAdd() == null || c.getSecurityContext().getCapabilities().getAdd().isEmpty());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
    }

    static DaemonSet agentDaemonSet(Installation install) {
        return install.objects().stream().filter(DaemonSet.class::isInstance).map(DaemonSet.class::cast)
                .filter(d -> WardKubernetes.AGENT_SERVICE_ACCOUNT.equals(d.getSpec().getTemplate().getSpec().getServiceAccountName()))
                .findFirst().orElseThrow(() -> new AssertionError(install + ": no DaemonSet runs as " + WardKubernetes.AGENT_SERVICE_ACCOUNT));
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    private static List<PolicyRule> rulesBoundTo(List<HasMetadata> objects, String serviceAccount) {
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
            if (ref.getKind().equals("ClusterRole")) rules.addAll(find(objects, ClusterRole.class, ref.getName(), null).getRules());
            else rules.addAll(find(objects, Role.class, ref.getName(), o.getMetadata().getNamespace()).getRules());
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

    static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name, String namespace) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> name.equals(o.getMetadata().getName()))
                .filter(o -> namespace == null || namespace.equals(o.getMetadata().getNamespace()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name
                        + (namespace == null ? "" : " in " + namespace) + " under deploy/; the code uses it"));
    }

}
