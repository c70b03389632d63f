package dev.ward.cli.policy;

import dev.ward.cli.InputFile;
import dev.ward.policy.compute.NamedPort;
import dev.ward.policy.load.PolicyDocument;
import dev.ward.policy.load.PolicyLoader;
import dev.ward.policy.load.PolicySet;
import dev.ward.policy.store.PolicyStores;
import dev.ward.policy.trace.Flow;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import dev.ward.store.StoreLocation;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where trace and get read policies from: files ({@code -f}, repeatable) or the cluster's store ({@code --store},
 * the same form as every other command's). Invalid policy objects are reported on stderr and left out; the valid
 * ones still apply.
 */
public final class PolicyInputs {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "Policy file (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy, Service, List); repeatable.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--store", paramLabel = "STORE",
            description = "Read policies and identities from the cluster's store: k8s, etcd://HOST:PORT[,HOST:PORT] or dir:PATH.")
    String store;

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

    /** The valid policies and services, and the identity numbers the store holds (none for files). */
    public PolicySet load(PrintStream err) {
        if (files.isEmpty() == (store == null)) {
            throw new IllegalArgumentException(files.isEmpty()
                    ? "give policy files with -f FILE, or a store with --store k8s|etcd://HOST:PORT|dir:PATH"
                    : "read policies from one place: -f files or --store");
        }
        List<PolicyDocument> docs = new ArrayList<>();
        Map<Integer, String> identities = Map.of();
        if (store == null) {
            for (Path f : files) {
                try {
                    docs.add(new PolicyDocument(f.toString(), InputFile.read(f, "YAML or JSON")));
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage());
                }
            }
        } else {
            try (ClusterStore cluster = ClusterStore.open(StoreLocation.parse(store), StoreAccess.EXISTING)) {
                PolicyStores.Contents stored = PolicyStores.read(cluster);
                docs.addAll(stored.documents());
                identities = stored.identities();
            }
        }
        PolicySet set = new PolicyLoader(namespace).read(docs, identities);
        set.skipped().forEach(line -> err.println("wardctl: " + line));
        return set;
    }
}
