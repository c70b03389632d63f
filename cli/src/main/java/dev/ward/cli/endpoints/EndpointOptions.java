package dev.ward.cli.endpoints;

import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.endpoints.EndpointManager;
import dev.ward.agent.endpoints.EndpointsConfig;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.cli.CommandFailure;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** The endpoint and policy flags of {@code ward agent}: the node's pods are managed when {@code --api-socket} is given. */
public final class EndpointOptions {
    @Option(names = "--api-socket", paramLabel = "PATH", description = {
            "Serve the agent's local API here (mode 0600) and manage this node's pods: the CNI plugin registers them,",
            "`wardctl endpoint list` shows them; their identities and policy follow the store. Usually /run/ward/agent.sock."})
    Path apiSocket;

    @Option(names = "--cluster-name", defaultValue = "default", paramLabel = "NAME",
            description = "The cluster's name, as policies' cluster entity and io.cilium.k8s.policy.cluster see it (default: ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--cluster-id", defaultValue = "0", paramLabel = "ID",
            description = "0-255: this cluster's part of the identities it allocates (distinct per cluster of a mesh; default: ${DEFAULT-VALUE}).")
    int clusterId;

    @Option(names = "--datapath", defaultValue = "bpf", paramLabel = "KIND", description = {
            "What enforces the computed policy: bpf (tc programs on every pod's veth; needs BPF, PERFMON and NET_ADMIN),",
            "or none (computed and held, not enforced). Default: ${DEFAULT-VALUE}."})
    String datapath;

    @Option(names = "--bpf-pin-root", defaultValue = "/sys/fs/bpf/ward", paramLabel = "DIR", description = {
            "Where the BPF datapath pins its programs and maps, on a BPF filesystem (mounted at /sys/fs/bpf if missing):",
            "they outlive the agent, and the next one takes them over. One per agent on a node. Default: ${DEFAULT-VALUE}."})
    Path bpfPinRoot;

    public boolean enabled() {
        return apiSocket != null;
    }

    /** Checks the flags; empty without --api-socket. */
    public Optional<EndpointsConfig> config(String netns) {
        if (!enabled()) return Optional.empty();
        if (!apiSocket.isAbsolute()) throw new CommandFailure("--api-socket " + apiSocket + " must be an absolute path (the CNI plugin's configuration names it)");
        try {
            return Optional.of(new EndpointsConfig(new PolicyConfig(clusterName, clusterId), apiSocket, netns, DatapathKind.parse(datapath),
                    EndpointManager.Settings.DEFAULT, bpfPinRoot, EndpointsConfig.DEFAULT_RECONCILE));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("invalid endpoint options: " + e.getMessage());
        }
    }
}
