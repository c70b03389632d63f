package dev.ward.cli.encryption;

import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.EncryptionConfig;
import dev.ward.agent.encryption.EncryptionSettings;
import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.IpLiterals;
import dev.ward.agent.encryption.LocalNode;
import dev.ward.agent.encryption.agent.EncryptionAgentConfig;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.identity.Durations;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** The transparent-encryption options of {@code ward agent}: encryption runs when {@code --underlay-ip} is given. */
public final class EncryptionOptions {
    @Option(names = "--underlay-ip", split = ",", paramLabel = "IP",
            description = "This node's underlay address (repeatable, preferred first). Turns on transparent encryption.")
    List<String> underlayIps = new ArrayList<>();

    @Option(names = "--pod-cidr", split = ",", paramLabel = "CIDR",
            description = "This node's pod CIDR (repeatable). On Kubernetes (--store k8s) the default is the Node's spec.podCIDRs.")
    List<String> podCidrs = new ArrayList<>();

    @Option(names = "--cluster-cidr", split = ",", paramLabel = "CIDR",
            description = "The cluster's pod CIDR (repeatable): plaintext between these and local pods is blocked.")
    List<String> clusterCidrs = new ArrayList<>();

    @Option(names = "--netns", paramLabel = "NAME", description = "The node's network namespace (as in 'ip netns'), for xfrm and pods' veths; default: the agent's own.")
    String netns;

    @Option(names = "--aead-key-bits", defaultValue = "128", paramLabel = "BITS",
            description = "AES-GCM key size of the ESP SAs: 128 or 256 (default: ${DEFAULT-VALUE}).")
    int aeadKeyBits;

    @Option(names = "--rotate-every", defaultValue = "24h", converter = Durations.class, paramLabel = "DURATION",
            description = "Start a new key epoch this often (default: ${DEFAULT-VALUE}); `wardctl keys rotate` asks sooner.")
    Duration rotateEvery;

    @Option(names = "--drain", defaultValue = "30s", converter = Durations.class, paramLabel = "DURATION",
            description = "How long a retired SA stays for packets in flight (default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = "--offload-dev", paramLabel = "DEV",
            description = "Ask the kernel to offload ESP to this device; falls back to software with a warning.")
    String offloadDevice;

    public boolean enabled() {
        return !underlayIps.isEmpty();
    }

    /** The node's network namespace, which encryption and the endpoints both work in; null: the agent's own. */
    public String netns() {
        return netns;
    }

    /**
     * Checks the options before anything starts; a mistake is named in the error. Empty without --underlay-ip.
     *
     * @param kubernetes the store is Kubernetes: without --pod-cidr the agent reads its Node's spec.podCIDRs
     */
    public Optional<EncryptionConfig> config(String node, Clock clock, boolean kubernetes) {
        if (!enabled()) {
            List<String> given = new ArrayList<>();
            if (!podCidrs.isEmpty()) given.add("--pod-cidr");
            if (!clusterCidrs.isEmpty()) given.add("--cluster-cidr");
            if (offloadDevice != null) given.add("--offload-dev");
            if (!given.isEmpty()) {
                throw new CommandFailure(String.join(", ", given) + " configure encryption, which runs only with --underlay-ip");
            }
            return Optional.empty();
        }
        if (podCidrs.isEmpty() && !kubernetes) {
            throw new CommandFailure("encryption needs --pod-cidr (this node's pod CIDR; on Kubernetes it comes from the Node object)");
        }
        if (clusterCidrs.isEmpty()) throw new CommandFailure("encryption needs --cluster-cidr (the cluster's pod CIDR)");
        EspCipher cipher = switch (aeadKeyBits) {
            case 128 -> EspCipher.AES_128_GCM;
            case 256 -> EspCipher.AES_256_GCM;
            default -> throw new CommandFailure("--aead-key-bits must be 128 or 256, got " + aeadKeyBits);
        };
        List<InetAddress> underlay = parse(underlayIps, "--underlay-ip", IpLiterals::parse);
        List<Cidr> pods = parse(podCidrs, "--pod-cidr", Cidr::parse);
        List<Cidr> cluster = parse(clusterCidrs, "--cluster-cidr", Cidr::parse);
        for (Cidr pod : pods) {
            if (cluster.stream().noneMatch(c -> c.encloses(pod))) {
                // Pods outside the cluster's pod space would be neither encrypted nor blocked: refuse before the
                // agent writes a single policy into the kernel.
                throw new CommandFailure("--pod-cidr " + pod + " is not inside any --cluster-cidr " + cluster
                        + ": traffic of those pods would be neither encrypted nor blocked");
            }
        }
        try {
            return Optional.of(new EncryptionConfig(new EncryptionAgentConfig(new LocalNode(node, underlay, pods),
                    new EncryptionSettings(cipher, cluster, drain), rotateEvery, clock), netns, offloadDevice));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("invalid encryption options: " + e.getMessage());
        }
    }

    private static <T> List<T> parse(List<String> values, String option, Function<String, T> parser) {
        List<T> parsed = new ArrayList<>();
        for (String value : values) {
            try {
                parsed.add(parser.apply(value.trim()));
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(option + " " + value + " is invalid: " + e.getMessage());
            }
        }
        return parsed;
    }
}
