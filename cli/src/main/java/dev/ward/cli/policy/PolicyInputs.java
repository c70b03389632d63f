package dev.ward.cli.policy;

import dev.ward.cli.InputFile;
import dev.ward.policy.compute.NamedPort;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.ServiceDefinition;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.parse.PolicyProblem;
import dev.ward.policy.store.EtcdIdentityBackend;
import dev.ward.policy.store.EtcdPolicyStore;
import dev.ward.policy.store.KubernetesIdentityBackend;
import dev.ward.policy.store.KubernetesPolicyStore;
import dev.ward.policy.store.PolicyDocument;
import dev.ward.policy.trace.Flow;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Where trace and get read policies from: files ({@code -f}, repeatable) or the cluster's store (etcd or the
 * Kubernetes API). Invalid policy objects are reported on stderr and left out; the valid ones still apply.
 */
public final class PolicyInputs {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "Policy file (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy, Service, List); repeatable.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--etcd", paramLabel = "URL", description = "Read policies and identities from etcd (e.g. http://10.0.0.1:2379).")
    String etcd;

    @Option(names = "--kubernetes", description = "Read policies and identities from the Kubernetes API (kubeconfig or in-cluster).")
    boolean kubernetes;

    @Option(names = "--namespace", defaultValue = "default", paramLabel = "NS",
            description = "Namespace of namespaced policies in files that name none (default: ${DEFAULT-VALUE}).")
    String namespace = "default";

    @Option(names = "--cluster", defaultValue = "default", paramLabel = "NAME",
            description = "Cluster name, as the 'cluster' entity and io.cilium.k8s.policy.cluster see it (default: ${DEFAULT-VALUE}).")
    String cluster = "default";

    @Option(names = "--named-port", paramLabel = "NAME=PORT/PROTO",
            description = "A container port name (of the destination or endpoint, and of the cluster for egress rules); repeatable.")
    List<String> namedPorts = new ArrayList<>();

    /** The --named-port options as a name-to-ports map. */
    public Map<String, Set<NamedPort>> namedPorts() {
        Map<String, Set<NamedPort>> out = new HashMap<>();
        for (String s : namedPorts) {
            int eq = s.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--named-port '" + s + "' is not NAME=PORT/PROTO");
            String pp = s.substring(eq + 1);
            out.computeIfAbsent(s.substring(0, eq), k -> new HashSet<>()).add(new NamedPort(Flow.port(pp), Flow.protocol(pp)));
        }
        return out;
    }

    /** The policies and services read, and the identity keys the store holds (empty for files). */
    public record Loaded(List<Policy> policies, List<ServiceDefinition> services, Map<Integer, String> storedIdentities) {}

    public Loaded load(PrintStream err) {
        int sources = (files.isEmpty() ? 0 : 1) + (etcd == null ? 0 : 1) + (kubernetes ? 1 : 0);
        if (sources == 0) throw new IllegalArgumentException("give policy files with -f FILE, or a store with --etcd URL or --kubernetes");
        if (sources > 1) throw new IllegalArgumentException("read policies from one place: -f files, --etcd or --kubernetes");
        List<PolicyDocument> docs = new ArrayList<>();
        Map<Integer, String> identities = Map.of();
        if (!files.isEmpty()) {
            for (Path f : files) {
                try {
                    docs.add(new PolicyDocument(f.toString(), InputFile.read(f, "YAML or JSON")));
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage());
                }
            }
        } else if (etcd != null) {
            try (Client client = Client.builder().endpoints(etcd.split(",")).build()) {
                docs.addAll(new EtcdPolicyStore(client, EtcdPolicyStore.DEFAULT_PREFIX).list());
                identities = new EtcdIdentityBackend(client, EtcdIdentityBackend.DEFAULT_PREFIX, 30).allocated();
            } catch (RuntimeException | InterruptedException e) {
                throw new IllegalStateException("etcd at " + etcd + ": " + e.getMessage(), e);
            } catch (Exception e) {
                throw new IllegalStateException("etcd at " + etcd + ": " + e.getMessage(), e);
            }
        } else {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                docs.addAll(new KubernetesPolicyStore(client).list());
                identities = new KubernetesIdentityBackend(client).allocated();
            }
        }
        PolicyParser parser = new PolicyParser(namespace);
        List<Policy> policies = new ArrayList<>();
        List<ServiceDefinition> services = new ArrayList<>();
        for (PolicyDocument d : docs) {
            for (ParsedDocument pd : parser.parse(d.text(), d.origin())) {
                if (!pd.ok()) {
                    err.println("wardctl: skipping invalid " + pd.describe() + " (" + pd.origin() + "): "
                            + String.join("; ", pd.errors().stream().map(PolicyProblem::toString).toList()));
                    continue;
                }
                if (pd.policy() != null) policies.add(pd.policy());
                if (pd.service() != null) services.add(pd.service());
            }
        }
        return new Loaded(policies, services, identities);
    }
}
